#!/usr/bin/env python3
"""Turns the listing of the real Virtual Server 2005 type library (monodis' view of the tlbimp
interop assembly, as /work/shared/reference/virtual-server-1.1-typelib.txt has it) into
tests/com/typelib-listing.tsv, the table the type-library conformance test reads.

It was run once and its output committed:
    python3 tests/com/typelib_listing.py virtual-server-1.1-typelib.txt > tests/com/typelib-listing.tsv
The build and the tests read only the committed table.

How .NET's view is turned back into COM's (the rules tlbimp applies, reversed):
  * a non-void return type is the [out, retval] parameter; every member returns HRESULT;
  * get_X / set_X are the propget / propput X; DISPID -4 (GetEnumerator) is _NewEnum;
  * `class N.VMx marshal (interface)` (a coclass interface) is a pointer to that coclass's
    default interface, found through the listing's `interface VMx` entry (same GUID);
    `class N.IVMx marshal (interface)` is a pointer to IVMx; IEnumerator is IUnknown*;
  * `object marshal (struct)` is VARIANT, `bool` VARIANT_BOOL, `int32` long, `unsigned int32`
    unsigned long, `unsigned int8` unsigned char, System.DateTime DATE, `native int` a pointer
    of the platform's size, `T&` a pointer to T, `T[] marshal ([N + 0])` a fixed array of N T;
  * a `valuetype N.X` that the listing declares as an enum is that enum.
"""
import re
import sys

INTEROP = 'Microsoft.VirtualServer.Interop.'

SIMPLE = {
    'int32': 'I4', 'unsigned int32': 'UI4', 'unsigned int8': 'UI1', 'bool': 'BOOL',
    'string marshal (bstr)': 'BSTR', 'object marshal (struct)': 'VARIANT',
    'valuetype [mscorlib]System.DateTime': 'DATE', 'native int': 'native', 'void': 'VOID',
}


def parse(text):
    types = []          # (kind, name, guid, flags, body) in listing order
    current = None
    header = text.split('\n', 1)[0]
    m = re.search(r'"(\w+)", version (\d+\.\d+), LIBID \{([0-9A-F-]+)\}', header)
    library = (m.group(1), m.group(2), m.group(3))
    for line in text.splitlines():
        m = re.match(r'### (class|interface) (\w+)$', line)
        if m:
            current = {'kind': m.group(1), 'name': m.group(2), 'guid': None, 'flags': None,
                       'enum': False, 'values': [], 'members': [], 'implements': []}
            types.append(current)
            continue
        if current is None:
            continue
        m = re.match(r'- GUID ([0-9A-F-]+)(?:, TypeLibType flags (0x[0-9a-f]+))?$', line)
        if m:
            current['guid'] = m.group(1)
            current['flags'] = int(m.group(2), 16) if m.group(2) else None
            continue
        if line == '- extends [mscorlib]System.Enum':
            current['enum'] = True
            continue
        m = re.match(r'- implements (.*?)\s*\{?$', line)
        if m:
            current['implements'] = [s.strip().replace(INTEROP, '') for s in m.group(1).split(',')]
            continue
        m = re.match(r'- (\w+) = (\d+)$', line)
        if m and current['enum']:
            value = int(m.group(2))
            current['values'].append((m.group(1), value - (1 << 32) if value >= 1 << 31 else value))
            continue
        m = re.match(r'\s*\d+\. dispid (0x[0-9A-F]{8})  (.*)$', line)
        if m:
            dispid = int(m.group(1), 16)
            current['members'].append((dispid - (1 << 32) if dispid >= 1 << 31 else dispid, m.group(2)))
    return library, types


def split_params(text):
    params, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
        elif c == ',' and depth == 0:
            params.append(text[start:i].strip())
            start = i + 1
    if text.strip():
        params.append(text[start:].strip())
    return params


class Resolver:
    def __init__(self, types):
        self.enums = {t['name'] for t in types if t['enum']}
        # interfaces with flags are the real ones; a coclass interface (no flags) has the
        # GUID of its coclass's default interface
        self.real = {t['guid']: t['name'] for t in types
                     if t['kind'] == 'interface' and t['flags'] is not None}
        self.by_name = {t['name']: t for t in types if t['kind'] == 'interface'}

    def interface(self, name):
        entry = self.by_name[name]
        return 'iface:%s:%s' % (self.real[entry['guid']], entry['guid'])

    def type(self, text):
        text = text.strip()
        if text in SIMPLE:
            return SIMPLE[text]
        m = re.match(r'valuetype ' + re.escape(INTEROP) + r'(\w+)(&?)$', text)
        if m:
            name = m.group(1)
            base = 'enum:' + name if name in self.enums else 'record:' + name
            return 'ptr:' + base if m.group(2) else base
        if text.startswith('class [mscorlib]System.Collections.IEnumerator marshal'):
            return 'unknown'
        m = re.match(r'class ' + re.escape(INTEROP) + r'(\w+) marshal \(interface\)$', text)
        if m:
            return self.interface(m.group(1))
        m = re.match(r'(.*)& marshal \(struct\)$', text)    # object& marshal (struct)
        if m:
            return 'ptr:' + self.type(m.group(1) + ' marshal (struct)')
        m = re.match(r'(.*)\[\] marshal \(\[(\d+) \+ 0\]\)$', text)
        if m:
            return 'carray:%s:%s' % (self.type(m.group(1)), m.group(2))
        m = re.match(r'(.*)&$', text)
        if m:
            return 'ptr:' + self.type(m.group(1))
        raise ValueError('unknown type: ' + text)


def split_member(text):
    """RETURN-TYPE NAME (PARAMS): the name is the first word before a '(' that is not part
    of a marshal clause."""
    for m in re.finditer(r' (\w+) \(', text):
        if m.group(1) not in ('marshal', 'custom') and text.endswith(')'):
            return text[:m.start()], m.group(1), text[m.end():-1]
    raise ValueError('unparsed member: ' + text)


def split_param(text, resolver):
    """[in|out] TYPE NAME, or [in|out] TYPE alone (the listing has two unnamed parameters)."""
    m = re.match(r'\[(in|out)\] (.*)$', text)
    rest = m.group(2).strip()
    try:
        return m.group(1), resolver.type(rest), ''
    except (ValueError, KeyError):
        ptype, name = rest.rsplit(' ', 1)
        return m.group(1), resolver.type(ptype), name


def member_rows(iface, index, dispid, text, resolver):
    ret, name, params = split_member(text)
    if name.startswith('get_'):
        kind, name = 'propget', name[4:]
    elif name.startswith('set_'):
        kind, name = 'propput', name[4:]
    else:
        kind = 'func'
    if dispid == -4:
        kind, name = 'newenum', '_NewEnum'
    rows = []
    plist = split_params(params)
    for pos, p in enumerate(plist):
        direction, ptype, pname = split_param(p, resolver)
        rows.append(['param', iface, str(index), str(pos), pname or '-', ptype, direction])
    head = ['func', iface, str(index), '0x%08X' % (dispid & 0xffffffff), kind, name, resolver.type(ret), str(len(plist))]
    return [head] + rows


def main():
    text = open(sys.argv[1], encoding='utf-8').read()
    library, types = parse(text)
    resolver = Resolver(types)
    out = sys.stdout
    out.write('# The real Virtual Server 2005 type library, from its listing; made by\n'
              '# tests/com/typelib_listing.py (see there how). One record a line, TAB-separated:\n'
              '#   library NAME VERSION LIBID\n'
              '#   enum NAME GUID COUNT / value ENUM NAME VALUE\n'
              '#   interface NAME IID TYPEFLAGS FUNCS   (the dispatch half of a dual; 0x1000 alone: a dispinterface)\n'
              '#   func INTERFACE INDEX DISPID(hex) KIND NAME RETVAL-TYPE PARAMS   (INDEX = vtable slot - 7)\n'
              '#   param INTERFACE INDEX POSITION NAME TYPE DIRECTION   (NAME - : none)\n'
              '#   coclass NAME CLSID TYPEFLAGS DEFAULT-INTERFACE-IID\n'
              '# KIND: func, propget, propput, newenum (DISPID -4, a method or a propget).\n'
              '# Types: I4 UI4 UI1 BSTR BOOL VARIANT DATE VOID native unknown (IUnknown*),\n'
              '# enum:NAME, record:NAME, iface:NAME:IID (pointer to it), ptr:T, carray:T:N.\n')
    out.write('\t'.join(['library'] + list(library)) + '\n')
    for t in types:
        if t['enum']:
            out.write('\t'.join(['enum', t['name'], t['guid'], str(len(t['values']))]) + '\n')
            for name, value in t['values']:
                out.write('\t'.join(['value', t['name'], name, str(value)]) + '\n')
    for t in types:
        if t['kind'] == 'interface' and t['flags'] is not None:
            out.write('\t'.join(['interface', t['name'], t['guid'], '0x%x' % t['flags'],
                                 str(len(t['members']))]) + '\n')
            for index, (dispid, member) in enumerate(t['members']):
                for row in member_rows(t['name'], index, dispid, member, resolver):
                    out.write('\t'.join(row) + '\n')
    for t in types:
        if t['kind'] == 'class' and not t['enum']:
            default = resolver.by_name[t['implements'][0]]['guid']
            name = t['name'][:-len('Class')] if t['name'].endswith('Class') else t['name']
            out.write('\t'.join(['coclass', name, t['guid'], '0x%x' % (t['flags'] or 0),
                                 default]) + '\n')


if __name__ == '__main__':
    main()
