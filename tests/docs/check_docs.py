#!/usr/bin/env python3
"""Checks README.md and docs/*.md, printing TAP:
- every relative link (inline, reference-style or HTML href) names a file or folder of the checkout,
  and every #anchor is the slug GitHub gives a heading of the page it points into;
- every page of docs/ is linked from README.md, which stays short (README_MAX_LINES) and names the two
  commands, ./scripts/demo.sh and ./scripts/test.sh;
- every command of a runnable code block (a fenced block whose info string is "sh runnable") runs and
  exits 0, in an empty scratch folder, with the folder of the just-built vsdisk first on PATH.

Usage: check_docs.py --root CHECKOUT --vsdisk PATH_TO_VSDISK --scratch DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from urllib.parse import unquote

COMMAND_TIMEOUT = 60  # seconds; runnable commands are meant to be cheap
README_MAX_LINES = 250  # the README is the short guide; the reference is in docs/

FENCE = re.compile(r'^ {0,3}(`{3,}|~{3,})(.*)$')
HEADING = re.compile(r'^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$')
INLINE_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)')
REFERENCE_DEF = re.compile(r'^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$')
HTML_HREF = re.compile(r'<a\s[^>]*href="([^"]*)"', re.IGNORECASE)
HTML_ANCHOR = re.compile(r'<a\s[^>]*(?:name|id)="([^"]*)"', re.IGNORECASE)
CODE_SPAN = re.compile(r'(`+)(?:(?!\1).)+?\1')


class Page:
    """One Markdown file: its lines outside code blocks, its anchors, its runnable blocks."""

    def __init__(self, path):
        self.path = path
        self.prose = []       # (line number, text) outside fenced code blocks
        self.anchors = set()
        self.runnable = []    # (line number of the fence, [command lines])
        self._parse()

    def _parse(self):
        with open(self.path, encoding='utf-8') as f:
            lines = f.read().split('\n')
        fence = None
        block = None
        seen = {}
        for number, line in enumerate(lines, 1):
            match = FENCE.match(line)
            if fence is None and match:
                fence = match.group(1)
                words = match.group(2).split()
                block = (number, []) if words[1:2] == ['runnable'] else None
                if block is not None:
                    self.runnable.append(block)
                continue
            if fence is not None:
                if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                    fence = None
                elif block is not None:
                    block[1].append((number, line))
                continue
            self.prose.append((number, line))
            heading = HEADING.match(line)
            if heading:
                slug = github_slug(heading.group(2))
                count = seen.get(slug, 0)
                seen[slug] = count + 1
                self.anchors.add(slug if count == 0 else f'{slug}-{count}')
            for anchor in HTML_ANCHOR.findall(line):
                self.anchors.add(anchor)

    def links(self):
        """(line number, target) of every link outside code."""
        for number, line in self.prose:
            text = CODE_SPAN.sub('', line)
            for target in INLINE_LINK.findall(text):
                yield number, target
            definition = REFERENCE_DEF.match(text)
            if definition:
                yield number, definition.group(1)
            for target in HTML_HREF.findall(text):
                yield number, target


def heading_text(markdown):
    """The text GitHub renders for a heading's Markdown: no code ticks, link targets or emphasis marks."""
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', markdown)
    text = re.sub(r'<[^>]+>', '', text)
    text = text.replace('`', '')
    text = re.sub(r'(\*\*|__|\*)(.+?)\1', r'\2', text)
    text = re.sub(r'(?<!\w)_(.+?)_(?!\w)', r'\1', text)
    return text


def github_slug(markdown):
    """The anchor GitHub gives a heading: lower case; letters, digits, '-', '_' and spaces kept, every
    other character dropped; each space becomes '-'."""
    kept = []
    for char in heading_text(markdown).strip().lower():
        category = unicodedata.category(char)
        if char in '-_ ' or category[0] in 'LN' or category[0] == 'M':
            kept.append('-' if char == ' ' else char)
    return ''.join(kept)


def check_links(root, pages, results):
    by_path = {os.path.realpath(page.path): page for page in pages}
    for page in pages:
        rel = os.path.relpath(page.path, root)
        for number, target in page.links():
            where = f'{rel}:{number}: {target}'
            if re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:', target) or target.startswith('//'):
                continue  # an absolute URL: not checked here (no network at test time)
            path_part, _, fragment = target.partition('#')
            path_part = unquote(path_part)
            if path_part.startswith('/'):
                results.append((False, f'{where} (an absolute path: links must be relative)'))
                continue
            if path_part:
                resolved = os.path.realpath(os.path.join(os.path.dirname(page.path), path_part))
                if os.path.commonpath([resolved, os.path.realpath(root)]) != os.path.realpath(root):
                    results.append((False, f'{where} (points outside the checkout)'))
                    continue
                if not os.path.exists(resolved):
                    results.append((False, f'{where} (no such file or folder)'))
                    continue
            else:
                resolved = os.path.realpath(page.path)
            if fragment:
                into = by_path.get(resolved)
                if into is None and resolved.endswith('.md') and os.path.isfile(resolved):
                    into = Page(resolved)
                if into is None:
                    results.append((False, f'{where} (an anchor into a file that is not Markdown)'))
                    continue
                if unquote(fragment) not in into.anchors:
                    results.append((False, f'{where} (no heading of {os.path.relpath(resolved, root)} '
                                           f'has the anchor #{fragment})'))
                    continue
            results.append((True, f'{where}'))


def check_docs_linked(root, readme, pages, results):
    linked = set()
    for _, target in readme.links():
        path_part = unquote(target.partition('#')[0])
        if path_part and not re.match(r'^[a-zA-Z][a-zA-Z0-9+.-]*:', path_part):
            linked.add(os.path.realpath(os.path.join(root, path_part)))
    for page in pages:
        if page is readme:
            continue
        rel = os.path.relpath(page.path, root)
        results.append((os.path.realpath(page.path) in linked, f'README.md links to {rel}'))


def commands_of(block_lines):
    """The commands of a runnable block: continuation lines joined, comments and blank lines left out."""
    commands = []
    pending = None
    for number, line in block_lines:
        if pending is not None:
            pending = (pending[0], pending[1] + '\n' + line)
        elif line.strip() and not line.lstrip().startswith('#'):
            pending = (number, line)
        else:
            continue
        if not pending[1].endswith('\\'):
            commands.append(pending)
            pending = None
    if pending is not None:
        commands.append(pending)
    return commands


def check_runnable(root, pages, vsdisk, scratch, results):
    env = dict(os.environ)
    env['PATH'] = os.path.dirname(os.path.abspath(vsdisk)) + os.pathsep + env.get('PATH', '')
    for page in pages:
        rel = os.path.relpath(page.path, root)
        for block_number, block_lines in page.runnable:
            folder = os.path.join(scratch, f'{os.path.basename(rel)}-{block_number}')
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
            failed = False
            for number, command in commands_of(block_lines):
                what = f'{rel}:{number}: runs: {command.strip()}'
                if failed:
                    results.append((False, f'{what} (not run: an earlier command of the block failed)'))
                    continue
                try:
                    run = subprocess.run(['sh', '-c', command], cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                         timeout=COMMAND_TIMEOUT)
                    ok, output = run.returncode == 0, run.stdout.decode('utf-8', 'replace')
                    status = f'exit status {run.returncode}'
                except subprocess.TimeoutExpired:
                    ok, output, status = False, '', f'still running after {COMMAND_TIMEOUT} s'
                if not ok:
                    failed = True
                    print('\n'.join('# ' + line for line in output.splitlines()[-20:]))
                    what += f' ({status})'
                results.append((ok, what))
            shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True)
    parser.add_argument('--vsdisk', required=True)
    parser.add_argument('--scratch', required=True)
    args = parser.parse_args()
    root = os.path.abspath(args.root)

    readme = Page(os.path.join(root, 'README.md'))
    docs = os.path.join(root, 'docs')
    pages = [readme] + [Page(os.path.join(docs, name)) for name in sorted(os.listdir(docs))
                        if name.endswith('.md')]
    results = []
    results.append((len(pages) > 1, f'docs/ holds Markdown pages ({len(pages) - 1})'))
    results.append((bool(readme.runnable), 'README.md has at least one runnable code block'))
    with open(readme.path, encoding='utf-8') as f:
        text = f.read()
    lines = text.count('\n')
    results.append((lines <= README_MAX_LINES,
                    f'README.md is the short guide: {lines} lines, at most {README_MAX_LINES}'))
    for command in ('./scripts/demo.sh', './scripts/test.sh'):  # CI's .ci/run runs the second
        results.append((f'`{command}`' in text, f'README.md names the command {command}'))
    check_links(root, pages, results)
    check_docs_linked(root, readme, pages, results)
    check_runnable(root, pages, args.vsdisk, os.path.abspath(args.scratch), results)

    for number, (ok, what) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {number} - {what}')
    print(f'1..{len(results)}')
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == '__main__':
    sys.exit(main())
