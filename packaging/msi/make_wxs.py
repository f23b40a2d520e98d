#!/usr/bin/env python3
"""Writes the WiX source (for msitools' wixl) of one vsdisk MSI: one bitness, one scope.

Registration goes through the MSI's Registry table, made from registry/vsdisk.registry (the one
description of what registration writes), never through self-registration:
- the `tree` keys (vsdisk's own CLSID, AppID, ProgIDs and interfaces) in component "Classes";
- the `tree-if-ours` group (Virtual Server's CLSID, ProgID, type library and interface keys) in
  component "VirtualServerIdentities", which installs only where regsvr32 would take them: no
  key of the group belongs to someone else. AppSearch reads, for each key of the group, its
  VsDiskOwner value (vsdisk's mark) and the values a registration of that identity holds (those
  the description writes under it, and a CLSID's LocalServer32); a custom action of type 51
  sets VSDISK_FOREIGN when one of them is there without the mark, and the component's
  condition is NOT VSDISK_FOREIGN. wixl can make none of this (no component conditions, no
  search of a default value): this script writes it as SQL (--sql) that make-msi.sh runs with
  msibuild on the built package.
- The Interface keys go into both registry views, as regsvr32 (and RegisterTypeLib) does; an
  x86 package cannot write the 64-bit view, so the x86 MSI writes the 32-bit view only.

$MODULE becomes [#vsdisk.dll] (the installed DLL) and $MODULE_DIR the install folder, which a
Windows Installer directory property always ends with a backslash ([INSTALLDIR]).

Usage: make_wxs.py --description FILE --guids vsdisk_i.c --version X.Y.Z --arch x64|x86
                   --scope machine|user --file NAME... --out FILE.wxs --sql FILE.sql
(run in the folder that holds the files; make-msi.sh stages them)
"""
import argparse
import re
import sys
import uuid
from xml.sax.saxutils import quoteattr

# Fixed for ever, one per bitness and scope: a new version with the same UpgradeCode replaces
# the installed one (MajorUpgrade). The ProductCode is new in every build.
UPGRADE_CODES = {
    ('x64', 'machine'): 'C8957B5C-4592-434A-8402-D55C0094756F',
    ('x64', 'user'): '5E6EE137-7F56-43EB-BCEF-450A1C7A017B',
    ('x86', 'machine'): '4F0BDE7D-BB70-4456-85EA-EF009F6DD63B',
    ('x86', 'user'): '8475F75E-2916-426F-8286-0DE7ED8F73D1',
}
# Component GUIDs are derived from this namespace, the package kind and the component's name,
# so a component keeps its GUID from version to version (the component rules).
COMPONENT_NAMESPACE = uuid.UUID('F68919EC-3A9D-4DA1-BFC7-8347E52735D2')
OWNER_VALUE = 'VsDiskOwner'


def read_guids(path):
    """name -> {GUID} in registry form, from widl's _i.c (MIDL_DEFINE_GUID lines)."""
    guids = {}
    pattern = re.compile(r'MIDL_DEFINE_GUID\(\w+,\s*(\w+),\s*0x([0-9a-fA-F]+),\s*0x([0-9a-fA-F]+),'
                         r'\s*0x([0-9a-fA-F]+),((?:\s*0x[0-9a-fA-F]+,?){8})\)')
    with open(path, encoding='utf-8') as source:
        for match in pattern.finditer(source.read()):
            name, l, w1, w2, rest = match.groups()
            b = [int(x, 16) for x in re.findall(r'0x([0-9a-fA-F]+)', rest)]
            guids[name] = '{%08X-%04X-%04X-%02X%02X-%s}' % (
                int(l, 16), int(w1, 16), int(w2, 16), b[0], b[1], ''.join('%02X' % x for x in b[2:]))
    return guids


def read_description(path, guids, platform):
    """The description's lines as (kind, key, name, data), GUID names and $TYPELIB_PLATFORM
    expanded; $MODULE and $MODULE_DIR become the installer's formatted references."""
    def expand(field):
        def guid(match):
            if match.group(1) not in guids:
                sys.exit('make_wxs: %s names an unknown GUID {%s}' % (path, match.group(1)))
            return guids[match.group(1)]
        field = re.sub(r'\{(\w+)\}', guid, field)
        field = field.replace('$TYPELIB_PLATFORM', platform)
        field = field.replace('$MODULE_DIR', '[INSTALLDIR]')
        return field.replace('$MODULE', '[#vsdisk.dll]')

    lines = []
    with open(path, encoding='utf-8') as source:
        for number, text in enumerate(source, 1):
            text = text.rstrip('\r\n')
            if not text or text.startswith('#'):
                continue
            fields = text.split('\t')
            if fields[0] in ('tree', 'tree-if-ours') and len(fields) == 2:
                lines.append((fields[0], expand(fields[1]), None, None))
            elif fields[0] == 'value' and len(fields) == 4:
                lines.append(('value', expand(fields[1]), fields[2], expand(fields[3])))
            else:
                sys.exit('make_wxs: %s:%d: not a description line' % (path, number))
    return lines


def within(key, tree):
    return key.lower() == tree.lower() or key.lower().startswith(tree.lower() + '\\')


def component_guid(arch, scope, name):
    return str(uuid.uuid5(COMPONENT_NAMESPACE, '%s/%s/%s' % (arch, scope, name))).upper()


class Wxs:
    def __init__(self):
        self.parts = []
        self.depth = 0

    def open(self, tag, **attrs):
        self.line('<%s%s>' % (tag, self.attrs(attrs)))
        self.depth += 1

    def close(self, tag):
        self.depth -= 1
        self.line('</%s>' % tag)

    def empty(self, tag, **attrs):
        self.line('<%s%s/>' % (tag, self.attrs(attrs)))

    def line(self, text):
        self.parts.append('  ' * self.depth + text)

    @staticmethod
    def attrs(attrs):
        return ''.join(' %s=%s' % (k.rstrip('_'), quoteattr(v)) for k, v in attrs.items() if v is not None)


def registry_values(wxs, root, lines):
    """RegistryValue elements for the value lines, under Software\\Classes of root."""
    for _, key, name, data in lines:
        wxs.empty('RegistryValue', Root=root, Key='Software\\Classes\\' + key,
                  Name=None if name == '@' else name, Value=data, Type='string')


def foreign_searches(shared_trees, shared_values, scope, x64):
    """AppSearch per key of the group, in the scope's hive and, per user, machine-wide too:
    vsdisk's mark and the values another registration of that identity holds. Returns the
    searches (property, root, key, name) and one condition per key that is true when the key
    is someone else's."""
    roots = ['HKLM'] if scope == 'machine' else ['HKCU', 'HKLM']
    searches, conditions = [], []
    for index, tree in enumerate(shared_trees, 1):
        probes = {(key[len(tree):].lstrip('\\'), name) for _, key, name, _ in shared_values
                  if within(key, tree) and name != OWNER_VALUE}
        if tree.upper().startswith('CLSID\\'):
            probes.add(('LocalServer32', '@'))
        if tree.upper().startswith('TYPELIB\\'):
            # either platform's type library path (a 32-bit owner beside our 64-bit DLL)
            probes |= {(re.sub(r'\\win(32|64)$', '\\\\' + p, sub), n)
                       for sub, n in probes for p in ('win32', 'win64')}
        for search_root in roots:
            mark = 'VSOURS%d%s' % (index, search_root[-2:])
            searches.append((mark, search_root, tree, OWNER_VALUE))
            found = []
            for p_index, (sub, name) in enumerate(sorted(probes), 1):
                prop = 'VSHAS%d%s%d' % (index, search_root[-2:], p_index)
                searches.append((prop, search_root, tree + ('\\' + sub if sub else ''),
                                 None if name == '@' else name))
                found.append(prop)
            conditions.append('(%s) AND NOT %s' % (' OR '.join(found), mark))
    return searches, conditions


def sql_text(value):
    return "'%s'" % value.replace("'", "''")


def foreign_sql(searches, conditions, x64):
    """The tables wixl cannot make: AppSearch and RegLocator rows for the searches (wixl's
    RegistrySearch cannot read a key's default value), type-51 actions that set
    VSDISK_FOREIGN, one per key of the group (each condition within the 255 characters a
    sequence condition may have), and the component conditions (wixl has none)."""
    # wixl makes the AppSearch and RegLocator tables (empty) but no AppSearch action.
    queries = ['INSERT INTO `%s` (`Action`, `Sequence`) VALUES (\'AppSearch\', 50)' % sequence
               for sequence in ('InstallUISequence', 'InstallExecuteSequence')]
    root_numbers = {'HKCU': 1, 'HKLM': 2}
    for prop, root, key, name in searches:
        queries.append('INSERT INTO `AppSearch` (`Property`, `Signature_`) VALUES (%s, %s)'
                       % (sql_text(prop), sql_text('S' + prop)))
        # Type 2: the raw value; 0x10: the 64-bit view (the x64 package's own view). A NULL
        # Name (the key's default value) is a column left out: libmsi's SQL has no NULL literal.
        columns = ['`Signature_`', '`Root`', '`Key`', '`Type`']
        values = [sql_text('S' + prop), str(root_numbers[root]), sql_text('Software\\Classes\\' + key),
                  str(2 | (0x10 if x64 else 0))]
        if name is not None:
            columns.append('`Name`')
            values.append(sql_text(name))
        queries.append('INSERT INTO `RegLocator` (%s) VALUES (%s)' % (', '.join(columns), ', '.join(values)))
    for index, condition in enumerate(conditions, 1):
        if len(condition) > 255:
            sys.exit('make_wxs: a condition is longer than the 255 characters a sequence allows')
        action = 'VsDiskForeign%d' % index
        queries.append('INSERT INTO `CustomAction` (`Action`, `Type`, `Source`, `Target`) '
                       "VALUES ('%s', 51, 'VSDISK_FOREIGN', '1')" % action)
        for sequence in ('InstallUISequence', 'InstallExecuteSequence'):
            # after AppSearch (50), before LaunchConditions (100)
            queries.append('INSERT INTO `%s` (`Action`, `Condition`, `Sequence`) VALUES (%s, %s, %d)'
                           % (sequence, sql_text(action), sql_text(condition), 50 + index))
    for component in ['VirtualServerIdentities'] + (['VirtualServerIdentitiesOtherView'] if x64 else []):
        queries.append("UPDATE `Component` SET `Condition` = 'NOT VSDISK_FOREIGN' "
                       "WHERE `Component` = '%s'" % component)
    return queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--description', required=True)
    parser.add_argument('--guids', required=True)
    parser.add_argument('--version', required=True)
    parser.add_argument('--arch', choices=('x64', 'x86'), required=True)
    parser.add_argument('--scope', choices=('machine', 'user'), required=True)
    parser.add_argument('--file', action='append', default=[], metavar='NAME',
                        help='a file for the install folder, relative to the folder wixl runs in '
                             '(vsdisk.dll, README.md, examples/x.vbs: at most one folder)')
    parser.add_argument('--out', required=True)
    parser.add_argument('--sql', required=True,
                        help='where to write the queries msibuild runs on the built MSI')
    args = parser.parse_args()

    arch, scope = args.arch, args.scope
    x64 = arch == 'x64'
    win64 = 'yes' if x64 else None
    root = 'HKLM' if scope == 'machine' else 'HKCU'
    lines = read_description(args.description, read_guids(args.guids), 'win64' if x64 else 'win32')
    shared_trees = [key for kind, key, _, _ in lines if kind == 'tree-if-ours']
    values = [line for line in lines if line[0] == 'value']
    own_values = [v for v in values if not any(within(v[1], t) for t in shared_trees)]
    shared_values = [v for v in values if any(within(v[1], t) for t in shared_trees)]

    wxs = Wxs()
    wxs.line('<?xml version="1.0" encoding="utf-8"?>')
    wxs.line('<!-- Generated by packaging/msi/make_wxs.py from registry/vsdisk.registry: do not edit. -->')
    wxs.open('Wix', xmlns='http://schemas.microsoft.com/wix/2006/wi')
    scope_name = 'per machine' if scope == 'machine' else 'current user'
    wxs.open('Product', Id='*', Name='vsdisk %s (%s, %s)' % (args.version, arch, scope_name),
             Language='1033', Version=args.version, Manufacturer='the vsdisk authors',
             UpgradeCode=UPGRADE_CODES[(arch, scope)])
    wxs.empty('Package', InstallerVersion='500', Compressed='yes',
              InstallScope='perMachine' if scope == 'machine' else 'perUser', Manufacturer='the vsdisk authors',
              Description='vsdisk: Virtual Server 2005 virtual hard disk API (COM), %s' % arch,
              Comments='MIT licence. Registers vsdisk.dll through the Registry table.')
    wxs.empty('MajorUpgrade', DowngradeErrorMessage='A newer version of vsdisk is already installed.')
    wxs.empty('Media', Id='1', Cabinet='vsdisk.cab', EmbedCab='yes')

    searches, foreign_conditions = foreign_searches(shared_trees, shared_values, scope, x64)

    # Files and folders.
    files = args.file
    if 'vsdisk.dll' not in files:
        sys.exit('make_wxs: the files must include vsdisk.dll')
    folders = sorted({name.split('/')[0] for name in files if '/' in name})
    wxs.open('Directory', Id='TARGETDIR', Name='SourceDir')
    if scope == 'machine':
        wxs.open('Directory', Id='ProgramFiles64Folder' if x64 else 'ProgramFilesFolder')
        wxs.open('Directory', Id='INSTALLDIR', Name='vsdisk')
        closes = ['Directory'] * 2
    else:
        wxs.open('Directory', Id='LocalAppDataFolder')
        wxs.open('Directory', Id='UserPrograms', Name='Programs')
        wxs.open('Directory', Id='VsDiskFolder', Name='vsdisk')
        wxs.open('Directory', Id='INSTALLDIR', Name=arch)
        closes = ['Directory'] * 4
    components = []

    def file_component(name):
        cid = 'File_' + re.sub(r'[^A-Za-z0-9_]', '_', name)
        components.append(cid)
        wxs.open('Component', Id=cid, Guid=component_guid(arch, scope, cid), Win64=win64)
        wxs.empty('File', Id=name.split('/')[-1] if name == 'vsdisk.dll' else cid, Name=name.split('/')[-1],
                  Source=name, KeyPath='yes')
        if scope == 'user':
            # A folder in the profile goes with the product (wixl's RemoveFolder names the
            # component's own folder).
            wxs.empty('RemoveFolder', Id='Remove' + cid, On='uninstall')
        wxs.close('Component')

    for name in files:
        if '/' not in name:
            file_component(name)
    for folder in folders:
        wxs.open('Directory', Id='Folder_' + folder, Name=folder)
        for name in files:
            if name.startswith(folder + '/'):
                file_component(name)
        wxs.close('Directory')
    if scope == 'user':
        wxs.close('Directory')      # INSTALLDIR: back in vsdisk\, which holds one folder a bitness
        closes.pop()
        components.append('UserFolder')
        wxs.open('Component', Id='UserFolder', Guid=component_guid(arch, scope, 'UserFolder'), Win64=win64)
        wxs.empty('RemoveFolder', Id='RemoveVsDiskFolder', On='uninstall')
        wxs.empty('RegistryValue', Root='HKCU', Key='Software\\vsdisk\\' + arch, Name='InstallFolder',
                  Value='[INSTALLDIR]', Type='string', KeyPath='yes')
        wxs.close('Component')

    # Registration: vsdisk's own keys, always; the other view's Interface keys (x64 only).
    components.append('Classes')
    wxs.open('Component', Id='Classes', Guid=component_guid(arch, scope, 'Classes'), Win64=win64)
    registry_values(wxs, root, own_values)
    wxs.close('Component')
    if x64:
        components.append('ClassesOtherView')
        wxs.open('Component', Id='ClassesOtherView', Guid=component_guid(arch, scope, 'ClassesOtherView'))
        registry_values(wxs, root, [v for v in own_values if within(v[1], 'Interface')])
        wxs.close('Component')
    # Virtual Server's identities, where they are free (condition set by make-msi.sh).
    components.append('VirtualServerIdentities')
    wxs.open('Component', Id='VirtualServerIdentities',
             Guid=component_guid(arch, scope, 'VirtualServerIdentities'), Win64=win64)
    registry_values(wxs, root, shared_values)
    wxs.close('Component')
    if x64:
        components.append('VirtualServerIdentitiesOtherView')
        wxs.open('Component', Id='VirtualServerIdentitiesOtherView',
                 Guid=component_guid(arch, scope, 'VirtualServerIdentitiesOtherView'))
        registry_values(wxs, root, [v for v in shared_values if within(v[1], 'Interface')])
        wxs.close('Component')
    for tag in closes:
        wxs.close(tag)
    wxs.close('Directory')

    wxs.open('Feature', Id='Complete', Level='1', Title='vsdisk')
    for cid in components:
        wxs.empty('ComponentRef', Id=cid)
    wxs.close('Feature')
    wxs.close('Product')
    wxs.close('Wix')
    with open(args.out, 'w', encoding='utf-8') as out:
        out.write('\n'.join(wxs.parts) + '\n')
    with open(args.sql, 'w', encoding='utf-8') as out:
        out.write('\n'.join(foreign_sql(searches, foreign_conditions, x64)) + '\n')


if __name__ == '__main__':
    main()
