#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""Script tests of vpf-cli against its software models.

    cli_test.py --list            names of the cases (meson registers one
                                  test per case)
    cli_test.py VPF_CLI CASE      run one case; exit 0 pass, 77 skip, 1 fail

Each case runs the real binary (script mode, a pseudo-terminal, or next to
dpdk-telemetry.py) and checks its exit status and `key: value` output.
"""

import contextlib
import json
import os
import pty
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

CLI = None
TMP = None
SKIP = 77
# 'CASE_v14' runs CASE with every model vpf-cli attaches in the virtio 1.4
# dialect (--dialect 1.4); only cases marked @both are listed that way.
DIALECT = None
BOTH = set()


def both(fn):
    """Mark a case as meaningful in both dialects: meson runs it as NAME
    and NAME_v14."""
    BOTH.add(fn.__name__[5:])
    return fn


def d14(text):
    """@text (a script, or a pattern it should print) as the 1.4 dialect
    has it: a 1.4 device is running or stopped, so where the draft's cases
    freeze a VF, the 1.4 run stops it (and expects "stop")."""
    if DIALECT != '1.4' or text is None:
        return text
    return re.sub(r'\bfreeze\b', 'stop', text)


def argv0():
    """vpf-cli and the options every case's process gets."""
    return [CLI, '--'] + (['--dialect', DIALECT] if DIALECT else [])


class Fail(Exception):
    pass


def check_sanitizers(err):
    """Under ASan/UBSan a report fails the case even when the exit status
    looks right (UBSan exits 1, which script cases may expect)."""
    if re.search(r'runtime error:|ERROR: \w*Sanitizer|SUMMARY: \w*Sanitizer', err or ''):
        raise Fail('sanitizer report:\n%s' % err)


def run(script, args=None, rc=0, timeout=30, stdin=None):
    """Run vpf-cli with @script as its command file; check the exit status.
    Returns (stdout, stderr)."""
    path = os.path.join(TMP, 'script.cmd')
    if script is not None:
        with open(path, 'w') as fp:
            fp.write(d14(script))
    cmd = argv0() + (['-f', path] if script is not None else []) + (args or [])
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    check_sanitizers(p.stderr)
    if rc is not None and p.returncode != rc:
        raise Fail('exit status %d, expected %d\n--- stdout\n%s--- stderr\n%s'
                   % (p.returncode, rc, p.stdout, p.stderr))
    return p.stdout, p.stderr


def has(text, *pats):
    """Every regex of @pats matches a line of @text."""
    for pat in map(d14, pats):
        if not re.search(pat, text, re.M):
            raise Fail('no line matches %r in:\n%s' % (pat, text))


def hasnt(text, *pats):
    for pat in map(d14, pats):
        if re.search(pat, text, re.M):
            raise Fail('unexpected %r in:\n%s' % (pat, text))


def value(text, key, nth=0):
    vals = re.findall(r'^%s: (.*)$' % re.escape(key), text, re.M)
    if len(vals) <= nth:
        raise Fail('no %r line in:\n%s' % (key, text))
    return vals[nth]


def section(text, cmd):
    """Output of the command echoed as `vpf> cmd` (up to the next echo)."""
    m = re.search(r'^vpf> %s\n(.*?)(?=^vpf> |\Z)' % re.escape(cmd), text,
                  re.M | re.S)
    if not m:
        raise Fail('command %r not echoed in:\n%s' % (cmd, text))
    return m.group(1)


def f(name):
    return os.path.join(TMP, name)


# ---------------------------------------------------------------- cases ----

def case_help():
    out, err = run('help\nhelp ctx read\nhelp mode\n')
    has(section(out, 'help'), r'^mode set <pf> <vf> active\|stop\|freeze +DEV_MODE_SET',
        r'^ctx dump <file> ', r'^migrate <src-pf> <src-vf> <dst-pf> <dst-vf>',
        r'^model fault <pf> <vf> <kind> ')
    s = section(out, 'help ctx read')
    has(s, r'^ctx read <pf> <vf> <file> \[chunk=<bytes>\]$')
    hasnt(s, r'^ctx write')
    has(section(out, 'help mode'), r'^mode get', r'^mode set')
    out, err = run('help nothing\n', rc=1)
    has(err, r"^error: line 1: no command starts with 'nothing': ENOENT$")


# The areas `help` groups the commands in, and the first words of the
# commands each holds.
HELP_AREAS = [('general', {'help', 'quit'}), ('show', {'show', 'stats'}),
              ('pf', {'pf'}), ('mode', {'mode'}), ('ctx', {'ctx'}),
              ('wr', {'wr'}), ('mig', {'mig'}), ('migrate', {'migrate'}),
              ('model', {'model'}), ('parts', {'parts', 'cap'})]


def help_areas(out):
    """{area: [line, ...]} from the output of `help`: each line is a
    command's syntax, then its help."""
    areas = {}
    cur = None
    for line in out.splitlines():
        m = re.match(r'^\[([a-z]+)\] \S', line)
        if m:
            cur = m.group(1)
            if cur in areas:
                raise Fail('area %r twice in:\n%s' % (cur, out))
            areas[cur] = []
        elif cur is not None and line and not line.startswith('Tab '):
            areas[cur].append(line)
    return areas


def case_help_groups():
    """`help` lists the commands under one header per area (general, show,
    pf, mode, ctx, wr, mig, migrate, model, parts), each command once."""
    out, err = run('help\n')
    areas = help_areas(section(out, 'help'))
    if [a for a, _ in HELP_AREAS] != list(areas):
        raise Fail('areas %r, expected %r' % (list(areas),
                                               [a for a, _ in HELP_AREAS]))
    lines = []
    for area, words in HELP_AREAS:
        if not areas[area]:
            raise Fail('area %r has no command' % area)
        for line in areas[area]:
            if line.split()[0] not in words:
                raise Fail('%r listed under [%s]' % (line, area))
        lines += areas[area]
    # a command with optional positionals is listed once, with them
    for syn in ('help [<topic...>] ', 'show vf <pf> [<vf>] ', 'stats [<pf>] ',
                'model fault <pf> <vf> <kind> [<count>] '):
        if len([x for x in lines if x.startswith(syn)]) != 1:
            raise Fail('%r not listed once in:\n%s' % (syn, out))
    for cmd in ('help', 'show vf', 'stats', 'model fault', 'ctx read'):
        n = len([x for x in lines if re.match(r'%s( [<\[]|\s*$| {2,})' % cmd, x)])
        if n != 1:
            raise Fail('%r listed %d times in:\n%s' % (cmd, n, out))


def case_help_defaults():
    """`help <command>` says what each option defaults to, and that is what
    the command does without it."""
    out, err = run('help migrate\nhelp ctx read\nhelp ctx write\n'
                   'help pf attach model\nhelp model fault\n'
                   'help show vf\nhelp wr read\n'
                   'ctx read src 1 %s\npf attach model m9\n'
                   'model fault src 1 eagain\n' % f('c.bin'))
    s = section(out, 'help migrate')
    has(s, r'^    precopy=<rounds> +default: 0 ',
        r'^    dirty=on\|off +default: off ',
        r'^    guest=<ops> +default: 0 ',
        r'^    chunk=<bytes> +default: 4096 ',
        r'^    force=yes\|no +default: no ')
    has(section(out, 'help ctx read'), r'^    chunk=<bytes> +default: 4096 ')
    has(section(out, 'help ctx write'), r'^    chunk=<bytes> +default: 4096 ',
        r'^    force=yes\|no +default: no ')
    has(section(out, 'help pf attach model'), r'^    vfs=<n> +default: 4 ',
        r'^    vqs=<n> +default: 2 ', r'^    seed=<n> +default: 1 ')
    has(section(out, 'help model fault'), r'^    <count> +default: 1 ')
    has(section(out, 'help show vf'), r'^    <vf> +default: every VF')
    has(section(out, 'help wr read'), r'^    bitmap=<file> +default: none ')
    # what the commands do without the options
    if value(section(out, 'ctx read src 1 %s' % f('c.bin')), 'chunk') != '4096':
        raise Fail('ctx read without chunk= did not use 4096:\n%s' % out)
    if value(section(out, 'pf attach model m9'), 'vfs') != '4':
        raise Fail('pf attach model without vfs= did not make 4:\n%s' % out)
    if value(section(out, 'model fault src 1 eagain'), 'count') != '1':
        raise Fail('model fault without <count> did not use 1:\n%s' % out)


@both
def case_show():
    out, err = run('show pf\nshow vf src\nshow vf dst 2\nshow cmds src\n')
    v14 = DIALECT == '1.4'
    s = section(out, 'show pf')
    has(s, r'^pfs: 2$', r'^pf: src$', r'^pf: dst$', r'^backend: model$',
        r'^num-vfs: 4$', r'^vendor-id: 0x1af4$',
        r'^dialect: %s$' % (DIALECT or 'seed-2023'),
        r'^fields-query: %s$' % ('no' if v14 else 'yes'),
        r'^write-recording: %s$' % ('no' if v14 else 'yes'),
        r'^admin-queue-size: \d+$')
    if v14:
        has(s, r'^parts-get-limit: \d+$', r'^parts-objects: 0$')
    s = section(out, 'show vf src')
    has(s, r'^vfs: 4$', r'^vf: 4$', r'^mode: active$', r'^moved-by-cli: no$')
    s = section(out, 'show vf dst 2')
    has(s, r'^vf: 2$', r'^mode: active$', r'^migrated-to: none$',
        r'^write-recording: off$')
    hasnt(s, r'^vf: 1$')
    s = section(out, 'show cmds src')
    if v14:
        has(s, r'^dialect: 1.4$', r'^enabled: 0x[0-9a-f]{16}$',
            r'^0x0f DEV_PARTS_GET: enabled$', r'^0x11 DEV_MODE_SET: enabled$')
        hasnt(s, r'DEV_CTX_')
    else:
        has(s, r'^0x07 DEV_MODE_GET: enabled$',
            r'^0x0c DEV_CTX_FIELDS_QUERY: enabled$',
            r'^0x12 DEV_WRITE_RECORDS_READ: enabled$',
            r'^enabled: 0x[0-9a-f]{16}$')


def case_stats():
    out, err = run('mode get src 1\nmode get src 1\nstats src\nstats\n'
                   'stats reset src\nstats src\n')
    s = section(out, 'stats src')
    has(s, r'^pf: src$', r'^cmds.DEV_MODE_GET: 2$', r'^errors-local: 0$',
        r'^latency-avg-ns: \d+$')
    has(section(out, 'stats'), r'^pf: src$', r'^pf: dst$')
    has(section(out, 'stats reset src'), r'^stats: reset$')
    # after the reset: the second `stats src`
    last = out.rsplit('vpf> stats src\n', 1)[1]
    has(last, r'^cmds: 0$')


@both
def case_pf_attach_detach():
    out, err = run('pf attach model m3 vfs=2 vqs=1 seed=7\nshow pf\n'
                   'mode set m3 2 freeze\npf detach m3\nshow pf\n')
    has(section(out, 'pf attach model m3 vfs=2 vqs=1 seed=7'),
        r'^pf: m3$', r'^backend: model$', r'^vfs: 2$')
    has(section(out, 'show pf'), r'^pfs: 3$', r'^pf: m3$')
    s = section(out, 'pf detach m3')
    has(s, r'^detach: m3 vf 2: freeze -> active \(restored\)$', r'^detached: m3$')
    assert out.rstrip().endswith('pfs: 2') or 'pfs: 2' in out.rsplit('vpf> show pf', 1)[1]


@both
def case_pf_errors():
    out, err = run('pf attach model src\npf attach model x vfs=0\n'
                   'pf attach model y vfz=2\npf attach model bad/name\n'
                   'pf detach nope\npf attach model\n', rc=1)
    has(err, r"^error: line 1: a PF named 'src' is attached: EEXIST$",
        r"^error: line 2: bad vfs '0' \(1\.\.256\): EINVAL$",
        r"^error: line 3: unknown option 'vfz': EINVAL$",
        r"^error: line 4: bad PF name 'bad/name' .*: EINVAL$",
        r"^error: line 5: unknown PF 'nope' \(attached: src dst\): ENOENT$",
        r'^error: line 6: bad arguments: EINVAL$',
        r'^usage: pf attach model <name> \[vfs=<n>\] \[vqs=<n>\] \[seed=<n>\] '
        r'\[dialect=seed-2023\|1\.4\] \[bdf=<a>\] \[service_us=<n>\] '
        r'\[concurrency=<n>\] \[act_us=<n>\]$')


def case_mode():
    out, err = run('mode get src 1\nmode set src 1 stop\nmode get src 1\n'
                   'mode set src 1 freeze\nmode get src 1\n'
                   'mode set src 1 freeze\nmode set src 1 active\nmode get src 1\n')
    assert re.findall(r'^mode: (\w+)$', out, re.M) == \
        ['active', 'stop', 'stop', 'freeze', 'freeze', 'freeze', 'active', 'active'], out
    hasnt(out, r'^exit:')


def case_mode_errors():
    out, err = run('mode set src 9 freeze\nmode set src 0 freeze\n'
                   'mode get nope 1\nmode set src 1 bogus\nmode get src x\n'
                   'mode get src\nmode get src 1\n', rc=1)
    has(err, r'^error: line 1: unknown VF 9 on src \(VFs 1\.\.4\): ENOENT$',
        r'^error: line 2: unknown VF 0 on src \(VFs 1\.\.4\): ENOENT$',
        r"^error: line 3: unknown PF 'nope' .*: ENOENT$",
        r"^error: line 4: bad mode 'bogus' \(expected active, stop or freeze\): EINVAL$",
        r"^error: line 5: bad VF number 'x': EINVAL$",
        r'^error: line 6: bad arguments: EINVAL$', r'^usage: mode get <pf> <vf>$')
    # the last command still ran and succeeded
    has(section(out, 'mode get src 1'), r'^mode: active$')
    has(err, r'6 of 7 commands failed \(lines 1 2 3 4 5 6\)')


def case_ctx_size_fields():
    out, err = run('model guest src 1 100\nctx size src 1\nctx size src 1 freeze\n'
                   'ctx fields src 1\n')
    assert int(value(section(out, 'ctx size src 1'), 'size')) > 100
    assert int(value(section(out, 'ctx size src 1 freeze'), 'size')) > 100
    s = section(out, 'ctx fields src 1')
    has(s, r'^fields: 6$', r'^PCI_COMMON_CFG: 64$', r'^DEV_FEATURES: 8$',
        r'^PCI_VQ_CFG: 30$', r'^VQ_SPLIT_RUNTIME_CFG: 5$',
        r'^VQ_SPLIT_DEV_OWN_DESC: \d+$', r'^DEV_CFG: \d+$')


def case_ctx_read_write_dump():
    c = f('c.bin')
    out, err = run('model guest src 1 200\nmode set src 1 freeze\n'
                   'ctx size src 1\n'
                   'ctx read src 1 %s chunk=64\nctx size src 1\nctx dump %s\n'
                   'mode set dst 1 freeze\nctx write dst 1 %s chunk=128\n'
                   'ctx discard dst 1\nctx write dst 1 %s\n'
                   'mode set dst 1 active\nmodel compare src 1 dst 1\n'
                   'show vf src 1\n' % (c, c, c, c))
    size = int(value(section(out, 'ctx size src 1'), 'size'))
    s = section(out, 'ctx read src 1 %s chunk=64' % c)
    assert int(value(s, 'read')) == size == os.path.getsize(c), (s, size)
    assert int(value(s, 'chunks')) == size // 64 + 1, s
    has(s, r'^chunk: 64$', r'^file: %s$' % re.escape(c))
    # read completely: nothing remains of the Freeze context
    assert value(out, 'size', 1) == '0', out
    s = section(out, 'ctx dump %s' % c)
    has(s, r'^bytes: %d$' % size, r'^context: field_count=\d+ bytes=%d$' % size,
        r'^field 0 offset=4 type=PCI_COMMON_CFG\(0x0000\) length=64 ',
        r'type=DEV_CFG\(0x1000\)', r'^end: well formed$')
    s = section(out, 'ctx write dst 1 %s chunk=128' % c)
    has(s, r'^written: %d$' % size, r'^chunks: %d$' % ((size + 127) // 128))
    has(section(out, 'ctx discard dst 1'), r'^discarded: yes$')
    has(section(out, 'model compare src 1 dst 1'), r'^digest: equal$')
    has(section(out, 'show vf src 1'), r'^migrated-to: dst vf 1$')
    has(out, r'^exit: src vf 1: freeze \(migrated to dst vf 1; left as is\)$')
    # no temporaries left next to the file
    assert sorted(os.listdir(TMP)) == ['c.bin', 'script.cmd'], os.listdir(TMP)


def case_ctx_errors():
    c = f('c.bin')
    bad = f('bad.bin')
    # a context whose field_count says 2 but holds one field
    with open(bad, 'wb') as fp:
        fp.write((2).to_bytes(4, 'little') + (1).to_bytes(2, 'little') +
                 bytes(6) + (8).to_bytes(8, 'little') + bytes(8))
    # DEV_FEATURES of 3 bytes: malformed in a way a device sees at once
    bad2 = f('bad2.bin')
    with open(bad2, 'wb') as fp:
        fp.write((1).to_bytes(4, 'little') + (1).to_bytes(2, 'little') +
                 bytes(6) + (3).to_bytes(8, 'little') + bytes(3))
    out, err = run('mode set src 1 freeze\nctx read src 1 %s\n'
                   'ctx write src 2 %s\n'                      # outside Freeze
                   'ctx dump %s\n'                             # malformed
                   'mode set dst 1 freeze\nctx write dst 1 %s force=yes\n'  # device refuses
                   'ctx dump %s\nctx write dst 1 %s\n'         # missing
                   'ctx read src 2 %s\n'                       # unwritable
                   'ctx read src 2 %s\n'
                   'ctx read src 1 %s chunk=7\nctx read src 1 %s chunk=8 chunk=16\n'
                   'ctx read src 1 %s chnk=8\nctx write dst 1 %s\n'
                   % (c, c, bad, bad2, f('none.bin'), f('none.bin'),
                      f('nodir/x.bin'), c + '/x', f('y'), f('y'), f('y'), TMP),
                   rc=1)
    has(err,
        r'^error: line 3: DEV_CTX_WRITE chunk 1 at offset 0: .*: EINVAL '
        r'\(device status EINVAL, qualifier INVALID_COMMAND\)$',
        r'^error: line 4: malformed context at byte offset 28 \(FIELDS_MISSING\): .*: EBADMSG$',
        r'^error: line 6: DEV_CTX_WRITE chunk 1 at offset 0: .*: EINVAL '
        r'\(device status EINVAL, qualifier INVALID_FIELD\)$',
        r"^error: line 7: cannot read '.*none.bin': ENOENT$",
        r"^error: line 8: cannot read '.*none.bin': ENOENT$",
        r"^error: line 9: cannot write '.*nodir/x.bin': ENOENT$",
        r"^error: line 10: cannot write '.*c.bin/x': ENOTDIR$",
        r"^error: line 11: bad chunk '7' \(a multiple of 8 bytes, 8\.\.\d+\): EINVAL$",
        r"^error: line 12: option 'chunk' given twice: EINVAL$",
        r"^error: line 13: unknown option 'chnk': EINVAL$",
        r"^error: line 14: cannot read '.*': EISDIR$")
    # the dump printed the fields before the malformation
    has(section(out, 'ctx dump %s' % bad), r'^field 0 offset=4 type=DEV_FEATURES')
    # failed reads left no file behind
    assert not os.path.exists(f('nodir')) and not os.path.exists(f('y'))
    assert sorted(os.listdir(TMP)) == ['bad.bin', 'bad2.bin', 'c.bin', 'script.cmd'], \
        os.listdir(TMP)


def case_ctx_read_interrupted():
    """A read the device fails never leaves a file that looks complete: an
    old file stays as it was, and no temporary remains."""
    c = f('c.bin')
    with open(c, 'wb') as fp:
        fp.write(b'old context')
    out, err = run('mode set src 1 freeze\nmodel fault src 1 einval\n'
                   'ctx read src 1 %s chunk=64\nctx read src 1 %s chunk=64\n'
                   % (c, f('new.bin')), rc=1)
    has(err, r'^error: line 3: DEV_CTX_READ chunk 1 at offset 0: .*: EINVAL '
        r'\(device status EINVAL, qualifier INVALID_FIELD\)$')
    with open(c, 'rb') as fp:
        assert fp.read() == b'old context'
    has(section(out, 'ctx read src 1 %s chunk=64' % f('new.bin')), r'^read: \d+$')
    assert sorted(os.listdir(TMP)) == ['c.bin', 'new.bin', 'script.cmd'], os.listdir(TMP)


def non_regular_targets():
    """A directory, a FIFO, symlinks to both and, as root, a character
    device node like /dev/null, in TMP. Returns [(path, errno, why)]."""
    d = f('adir')
    os.mkdir(d)
    fifo = f('fifo')
    os.mkfifo(fifo)
    os.symlink(d, f('ldir'))
    os.symlink(fifo, f('lfifo'))
    t = [(d, 'EISDIR', 'a directory'), (fifo, 'EINVAL', 'a FIFO'),
         (f('ldir'), 'EISDIR', 'a symlink to a directory'),
         (f('lfifo'), 'EINVAL', 'a symlink to a FIFO')]
    if os.geteuid() == 0:
        os.mknod(f('null'), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        t.append((f('null'), 'EINVAL', 'a character device node'))
    return t


def has_target_refusals(err, targets, line):
    """@err says, from script line @line on, one target after the other,
    that it is not a regular file."""
    for i, (path, eno, why) in enumerate(targets):
        has(err, r"^error: line %d: cannot write '%s': %s, not a regular file: %s$"
            % (line + i, re.escape(path), why, eno))


def check_targets_intact(targets):
    for path, _, why in targets:
        st = os.lstat(path)
        if why.startswith('a symlink'):
            assert stat.S_ISLNK(st.st_mode), path
        elif why == 'a directory':
            assert stat.S_ISDIR(st.st_mode) and os.listdir(path) == [], path
        elif why == 'a FIFO':
            assert stat.S_ISFIFO(st.st_mode), path
        else:
            assert stat.S_ISCHR(st.st_mode), path
    # no temporaries left
    hasnt('\n'.join(os.listdir(TMP)), r'\.tmp\.')


def case_ctx_read_target():
    """ctx read into an existing directory, FIFO or device node is refused
    before DEV_CTX_READ: the context stays on the device, the node stays."""
    targets = non_regular_targets()
    script = 'model guest src 1 200\nmode set src 1 freeze\nctx size src 1\n'
    for path, _, _ in targets:
        script += 'ctx read src 1 %s\n' % path
    script += 'ctx size src 1\nctx read src 1 %s\n' % f('c.bin')
    out, err = run(script, rc=1)
    size = int(value(section(out, 'ctx size src 1'), 'size'))
    assert size > 0, out
    has_target_refusals(err, targets, 4)
    # nothing was read: the whole context is still there
    assert int(value(out, 'size', 1)) == size, out
    s = section(out, 'ctx read src 1 %s' % f('c.bin'))
    assert int(value(s, 'read')) == size == os.path.getsize(f('c.bin')), s
    has(err, r'%d of %d commands failed' % (len(targets), len(targets) + 5))
    check_targets_intact(targets)


def case_wr_read_target():
    """wr read bitmap= into a directory, FIFO or device node is refused
    before DEV_WRITE_RECORDS_READ: the records stay on the device."""
    targets = non_regular_targets()
    script = 'wr start src 1 4K 0:262144\nmodel guest src 1 300\nmodel dirty src 1\n'
    for path, _, _ in targets:
        script += 'wr read src 1 0 1G bitmap=%s\n' % path
    script += 'wr read src 1 0 1G\nwr stop src 1\n'
    out, err = run(script, rc=1)
    truth = int(value(section(out, 'model dirty src 1'), 'pages'))
    assert truth > 0, out
    has_target_refusals(err, targets, 4)
    s = section(out, 'wr read src 1 0 1G')
    assert int(value(s, 'pages')) == truth, (s, truth)
    assert int(value(s, 'records')) >= truth, s
    check_targets_intact(targets)


def case_vfio():
    """pf scan on a config-space dump of a model; pf attach vfio and --vfio
    refusals (no device needed)."""
    out, err = run('help pf\n', rc=None)
    if 'pf scan' not in out:
        return SKIP
    d = f('m.dump')
    out, err = run('model dump-config src %s bdf=0000:5e:00.0\npf scan dump=%s\n'
                   'pf attach vfio 0000:ff:1f.7\npf attach vfio zz\n'
                   'pf scan dump=%s\n' % (d, d, f('none.dump')), rc=1)
    has(section(out, 'model dump-config src %s bdf=0000:5e:00.0' % d),
        r'^bdf: 0000:5e:00.0$')
    s = section(out, 'pf scan dump=%s' % d)
    has(s, r'^functions: 1$', r'^bdf: 0000:5e:00.0$', r'^type: net \(1\)$',
        r'^sriov: total_vfs=4 num_vfs=4 ', r'^cap: 0x[0-9a-f]+ CommonCfg ')
    # member id n <-> VF BDF
    has(s, r'^vf1_bdf: 0000:5e:00.1$', r'^vf2_bdf: 0000:5e:00.2$',
        r'^vf3_bdf: 0000:5e:00.3$', r'^vf4_bdf: 0000:5e:00.4$')
    hasnt(s, r'^vf5_bdf:')
    has(err, r'^error: line 3: cannot attach 0000:ff:1f.7: no PCI device .*: ENODEV$',
        r"^error: line 4: bad PCI address 'zz' .*: EINVAL$",
        r'^error: line 5: scan failed: .*: ENOENT$')
    out, err = run('show pf\n', args=['--vfio', '0000:ff:1f.7'], rc=1)
    has(err, r'^error: cannot attach 0000:ff:1f.7: no PCI device .*: ENODEV$')


def case_model_dump_config_bdf():
    """model dump-config refuses a BDF libpci could not read back (and
    writes no file); a short BDF is normalised."""
    z, g, b = f('zz.dump'), f('good.dump'), f('big.dump')
    out, err = run('model dump-config src %s bdf=zz\n'
                   'model dump-config src %s bdf=0000:3b:20.0\n'
                   'model dump-config src %s bdf=3b:00.1\n' % (z, b, g), rc=1)
    has(err, r"^error: line 1: bad PCI address 'zz' \(dddd:bb:dd.f\): EINVAL$",
        r"^error: line 2: bad PCI address '0000:3b:20.0' \(dddd:bb:dd.f\): EINVAL$",
        r'2 of 3 commands failed \(lines 1 2\)')
    assert not os.path.exists(z) and not os.path.exists(b)
    has(section(out, 'model dump-config src %s bdf=3b:00.1' % g),
        r'^bdf: 0000:3b:00.1$', r'^file: %s$' % re.escape(g))
    with open(g) as fp:
        assert fp.readline().startswith('0000:3b:00.1 '), g


def case_vfio_scan_wrong_format():
    """pf scan dump= of `lspci -vvv` text fails with a hint instead of
    listing 0 functions; an empty dump lists none."""
    out, err = run('help pf\n', rc=None)
    if 'pf scan' not in out:
        return SKIP
    d = f('vvv.txt')
    with open(d, 'w') as fp:
        fp.write('00:03.0 Ethernet controller: Red Hat, Inc. Virtio 1.0 network device (rev 01)\n'
                 '\tSubsystem: Red Hat, Inc. Virtio 1.0 network device\n'
                 '\tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg\n'
                 '\t\tBAR=0 offset=00000000 size=00000038\n\n')
    e = f('empty.dump')
    open(e, 'w').close()
    out, err = run('pf scan dump=%s\npf scan dump=%s\n' % (d, e), rc=1)
    has(err, r'^error: line 1: scan failed: no device in dump %s: is it '
        r'`lspci -xxxx` output\?: EINVAL$' % re.escape(d))
    hasnt(section(out, 'pf scan dump=%s' % d), r'^functions:')
    has(section(out, 'pf scan dump=%s' % e), r'^functions: 0$')
    has(err, r'1 of 2 commands failed \(lines 1\)')


def case_wr():
    bm = f('bitmap.bin')
    out, err = run('wr cap src 1\nwr start src 1 4K 0:262144\n'
                   'model guest src 1 300\nmodel dirty src 1\n'
                   'wr read src 1 0 1G bitmap=%s\nwr read src 1 0 1G\n'
                   'wr stop src 1\nshow vf src 1\n' % bm)
    s = section(out, 'wr cap src 1')
    has(s, r'^page-sizes: 4K( \w+)*$', r'^page-size-bitmap: 0x[0-9a-f]{8}$',
        r'^max-ranges: [1-9]\d*$')
    s = section(out, 'wr start src 1 4K 0:262144')
    has(s, r'^recording: on$', r'^page-size: 4096$', r'^ranges: 1$', r'^pages: 262144$')
    truth = int(value(section(out, 'model dirty src 1'), 'pages'))
    assert truth > 0, out
    s = section(out, 'wr read src 1 0 1G bitmap=%s' % bm)
    assert int(value(s, 'pages')) == truth, (s, truth)
    assert int(value(s, 'records')) >= truth
    # the bitmap file: u64 words, LSB first, one bit per page
    data = open(bm, 'rb').read()
    assert len(data) == 262144 // 8, len(data)
    assert sum(bin(b).count('1') for b in data) == truth
    # records were cleared by the first read
    assert value(section(out, 'wr read src 1 0 1G'), 'records') == '0', out
    has(section(out, 'wr stop src 1'), r'^recording: off$')
    has(section(out, 'show vf src 1'), r'^write-recording: off$')


def case_wr_errors():
    out, err = run('wr read src 1 0 1M\nwr start src 1 3000 0:1\n'
                   'wr start src 1 4K 0:0\nwr start src 1 4K 0:1,1:1:1\n'
                   'wr start src 1 4K 0:16\nwr start src 1 4K 0:16\n'
                   'wr read src 1 x 1M\n', rc=1)
    has(err, r'^error: line 1: .*: EINVAL \(device status EINVAL, qualifier INVALID_COMMAND\)$',
        r"^error: line 2: bad page size '3000' .*: EINVAL$",
        r"^error: line 3: bad range .*: EINVAL$",
        r"^error: line 4: bad range .*: EINVAL$",
        r'^error: line 6: .*: EINVAL \(device status EINVAL, qualifier INVALID_COMMAND\)$',
        r"^error: line 7: bad address 'x': EINVAL$")
    # recording vpf-cli started is stopped when it leaves
    has(out, r'^exit: src vf 1: write recording stopped$')


@both
def case_model():
    out, err = run('model digest src 1\nmodel guest src 1 50\nmodel digest src 1\n'
                   'model digest dst 1\nmodel compare src 2 dst 2\n'
                   'model compare src 1 dst 1\nmodel dirty src 1\n', rc=1)
    d = re.findall(r'^digest: ([0-9a-f]{64})$', out, re.M)
    assert len(d) == 3 and d[0] != d[1], out
    has(section(out, 'model guest src 1 50'), r'^ops: 50$')
    # same seed-independent initial state? compare reports either way
    has(section(out, 'model compare src 1 dst 1'), r'^digest: different$')
    has(err, r'^error: line 6: src vf 1 and dst vf 1 differ: EIO$')
    has(section(out, 'model dirty src 1'), r'^pages: \d+$')


def case_model_timed():
    """service_us/concurrency/act_us make a timed model (the SPEC vpfd
    shares): every command takes at least the service time."""
    out, err = run('pf attach model ts vfs=2 service_us=300 concurrency=2 act_us=1\n'
                   'pf attach model td vfs=2 service_us=300\n'
                   'migrate ts 1 td 1\nstats ts\n'
                   'pf attach model tx service_us=x\n', rc=1)
    # the driver times from its doorbell, the model from its fetch of the
    # command, which may come a little earlier: well above an untimed
    # model's microseconds, a little under 300 us at worst
    assert int(value(section(out, 'stats ts'), 'latency-min-ns')) >= 200000, out
    has(err, r"^error: line 5: bad service_us 'x' \(0\.\.1000000\): EINVAL$")
    hasnt(err, r'^error: line [1-4]:')


def case_faults():
    out, err = run('model fault src 1 einval\nmode get src 1\nmode get src 1\n'
                   'model fault src 1 eagain\nmode get src 1\nstats src\n'
                   'model fault src 2 bad-len\nmode get src 2\n'
                   'model fault src 3 bad-id\nmode get src 3\n'
                   'model fault src 4 einval 2\nmode get src 4\nmode get src 4\n'
                   'mode get src 4\n'
                   'model fault src 1 hang\nmode get src 1\n'
                   'model fault src 9 hang\nmodel fault src 1 bogus\n'
                   'model fault src 0 einval\nmodel fault src 0 clear\n'
                   'mode get src 1\n', rc=1, timeout=60)
    has(err, r'^error: line 2: .*: EINVAL \(device status EINVAL, qualifier INVALID_FIELD\)$',
        r'^error: line 8: .*: E\w+',
        r'^error: line 10: .*: E\w+',
        r'^error: line 12: .*: EINVAL \(device status EINVAL',
        r'^error: line 13: .*: EINVAL \(device status EINVAL',
        r'^error: line 16: .*: ETIMEDOUT',
        r'^error: line 17: unknown VF 9 on src .*: ENOENT$',
        r"^error: line 18: unknown fault 'bogus' \(hang delay eagain einval flr reset dma "
        r"bad-id bad-len dup, or clear\): EINVAL$")
    hasnt(err, r'^error: line (3|5|14|21):')
    has(section(out, 'model fault src 1 einval'), r'^fault: einval$', r'^vf: 1$', r'^count: 1$')
    # EAGAIN is retried by vpf
    s = section(out, 'stats src')
    assert int(value(s, 'retries')) >= 1, s
    has(section(out, 'model fault src 0 clear'), r'^faults: cleared$')


def case_manual_migration():
    """The README demo's manual flow: digests match at the end."""
    c = f('ctx.bin')
    out, err = run('model guest src 1 500\nmode set src 1 stop\nmodel guest src 1 50\n'
                   'mode set src 1 freeze\nctx size src 1\nctx read src 1 %s chunk=256\n'
                   'mode set dst 1 freeze\nctx write dst 1 %s chunk=256\n'
                   'mode set dst 1 active\nmodel compare src 1 dst 1\n'
                   'model guest dst 1 10\nmode get dst 1\n' % (c, c))
    has(section(out, 'model compare src 1 dst 1'), r'^digest: equal$')
    has(section(out, 'mode get dst 1'), r'^mode: active$')
    has(out, r'^exit: src vf 1: freeze \(migrated to dst vf 1; left as is\)$')
    hasnt(out, r'restored')


@both
def case_migrate():
    if not migrate_available():
        return SKIP
    v14 = DIALECT == '1.4'
    # 1.4: no device-side dirty tracking (the IOMMU's job); the source is
    # left stopped (a 1.4 device has no freeze)
    dirty = '' if v14 else ' dirty=on'
    stopped = 'stop' if v14 else 'freeze'
    out, err = run('model guest src 2 300\n'
                   'migrate src 2 dst 2 precopy=3%s guest=100\n'
                   'model compare src 2 dst 2\nshow vf src 2\n'
                   'migrate src 3 dst 3\n' % dirty)
    s = section(out, 'migrate src 2 dst 2 precopy=3%s guest=100' % dirty)
    has(s, r'^progress: preflight: ', r'^progress: setup: ',
        r'^progress: precopy round 1: bytes=\d+ dirty-pages=\d+ ',
        r'^progress: precopy round 3: ', r'^progress: stop-copy: bytes=\d+ ',
        r'^progress: resume: ', r'^status: ok$', r'^total-time-us: [\d.]+$',
        r'^downtime-us: [\d.]+$', r'^bytes: [1-9]\d*$', r'^precopy-rounds: 3$',
        r'^pages: \d+$', r'^digest: equal$')
    assert (int(value(s, 'pages')) > 0) != v14, s
    has(section(out, 'model compare src 2 dst 2'), r'^digest: equal$')
    has(section(out, 'show vf src 2'), r'^mode: %s$' % stopped,
        r'^migrated-to: dst vf 2$')
    has(section(out, 'migrate src 3 dst 3'), r'^status: ok$', r'^precopy-rounds: 0$',
        r'^digest: equal$')
    has(out, r'^exit: src vf 2: %s \(migrated to dst vf 2; left as is\)$' % stopped)
    if v14:
        # the guest continues on the destination: vpf-cli moved the ring
        # state as a hypervisor moves RAM
        out, err = run('model guest src 1 200\nmigrate src 1 dst 1\n'
                       'model guest dst 1 200\nmigrate src 2 dst 2 dirty=on\n'
                       'show vf src 2\n', rc=1)
        has(section(out, 'model guest dst 1 200'), r'^ops: 200$')
        has(err, r'dirty tracking unavailable on src: .*IOMMU')
        # refused before it started: nothing moved
        has(section(out, 'show vf src 2'), r'^mode: active$',
            r'^migrated-to: none$')


def case_migrate_errors():
    if not migrate_available():
        return SKIP
    out, err = run('mode set src 1 freeze\nmigrate src 1 dst 1\n'
                   'migrate src 2 src 2\nmigrate src 2 dst 2 dirty=maybe\n'
                   'migrate src 2 dst 9\nmigrate src 2 dst 2 precopy=x\n'
                   'wr start src 3 4K 0:16\nmigrate src 3 dst 3 dirty=on\n', rc=1)
    has(err, r'^error: line 2: source src vf 1 is in freeze, not active .*: EBUSY$',
        r'^error: line 3: source and destination are the same VF: EINVAL$',
        r"^error: line 4: bad dirty 'maybe' \(on or off\): EINVAL$",
        r'^error: line 5: unknown VF 9 on dst .*: ENOENT$',
        r"^error: line 6: bad precopy 'x' .*: EINVAL$",
        r'^error: line 8: write recording started .*: EBUSY$')


@both
def case_migrate_fail():
    """A migration that fails (an incompatible destination: other queue
    count): the source keeps running, nothing is left moved."""
    if not migrate_available():
        return SKIP
    out, err = run('pf attach model small vqs=1\nmodel guest src 1 100\n'
                   'model digest src 1\nmigrate src 1 small 1 precopy=1\n'
                   'mode get src 1\nmode get small 1\nmodel digest src 1\n', rc=1)
    has(section(out, 'migrate src 1 small 1 precopy=1'), r'^status: failed$')
    has(err, r'^error: line 4: migration failed in preflight: .*: EPROTO$')
    has(section(out, 'mode get src 1'), r'^mode: active$')
    has(section(out, 'mode get small 1'), r'^mode: active$')
    d = re.findall(r'^digest: ([0-9a-f]{64})$', out, re.M)
    assert len(d) == 2 and d[0] == d[1], out
    hasnt(out, r'^exit:')
    # an injected device error: its status and qualifier are named
    out, err = run('model fault dst 2 einval 5\nmigrate src 2 dst 2 precopy=1\n'
                   'model fault dst 2 clear\nmode get src 2\nmode get dst 2\n', rc=1)
    has(section(out, 'migrate src 2 dst 2 precopy=1'), r'^status: failed$')
    has(err, r'^error: line 2: migration failed in \w[\w-]*: .*: EINVAL '
        r'\(device status EINVAL, qualifier INVALID_FIELD\)$')
    has(section(out, 'mode get src 2'), r'^mode: active$')
    has(section(out, 'mode get dst 2'), r'^mode: active$')
    hasnt(out, r'^exit:')


@both
def case_exit_status():
    # all succeed: 0, nothing on stderr
    out, err = run('show pf\n# a comment\n\nmode get src 1\n', rc=0)
    assert err == '', err
    has(out, r'^# a comment$', r'^vpf> show pf$', r'^vpf> mode get src 1$')
    # one fails: 1, the rest still run, the line and the reason are named
    out, err = run('mode get src 1\nbogus command\nmode get src 2\n', rc=1)
    has(section(out, 'mode get src 2'), r'^mode: active$')
    has(err, r"^error: line 2: unknown command 'bogus' \(try 'help'\): EINVAL$",
        r'^vpf-cli: .*script.cmd: 1 of 3 commands failed \(lines 2\)$')
    # quit stops the script
    out, err = run('mode get src 1\nquit\nbogus\n', rc=0)
    hasnt(out, r'bogus')
    # usage errors: 2
    for args in (['--bogus'], ['-f'], ['--model', 'vfs=2'],
                 ['--model', 'name=a,color=red'], ['--model', 'name=a,vfs=x'],
                 ['extra']):
        out, err = run(None, args=args, rc=2)
        assert err, args
    out, err = run(None, args=['-f', f('missing.cmd')], rc=2)
    has(err, r"cannot open '.*missing.cmd': ENOENT")
    out, err = run(None, args=['--help'], rc=0)
    has(out, r'^usage: vpf-cli \[EAL options\] -- \[options\]$')
    # a SPEC value out of range is a usage error: 2
    out, err = run('show pf\n', args=['--model', 'name=a,vfs=300'], rc=2)
    # start-up failure (attach): 1, and no command runs
    out, err = run('show pf\n', args=['--model', 'name=a', '--model', 'name=a'],
                   rc=1)
    has(err, r"^error: a PF named 'a' is attached: EEXIST$")
    hasnt(out, r'^vpf> show pf$')


def case_usage_errors():
    """Start-up usage errors exit 2 and name the errno: a malformed --model
    SPEC, a malformed --vfio address (not a failed attach: exit 2, not 1)."""
    for args, pat in (
            (['--model', 'vfs=2'], r"^vpf-cli: --model vfs=2: name=<n> is required: EINVAL$"),
            (['--model', 'name=a,color=red'],
             r"^vpf-cli: --model name=a,color=red: unknown option 'color': EINVAL$"),
            (['--model', 'name=a,vfs=x'],
             r"^vpf-cli: --model name=a,vfs=x: bad vfs 'x' \(1\.\.256\): EINVAL$"),
            (['--model', 'name=a,vfs=300'],
             r"^vpf-cli: --model name=a,vfs=300: bad vfs '300' \(1\.\.256\): EINVAL$"),
            (['--model', 'name=a,service_us=-1'],
             r"^vpf-cli: --model name=a,service_us=-1: bad service_us '-1' \(0\.\.1000000\): EINVAL$"),
            (['--model', 'name=a,concurrency=0'],
             r"^vpf-cli: --model name=a,concurrency=0: bad concurrency '0' \(1\.\.1024\): EINVAL$")):
        out, err = run('show pf\n', args=args, rc=2)
        has(err, pat)
        hasnt(out, r'^vpf> ')
    out, err = run('help pf\n', rc=None)
    if 'pf scan' not in out:
        return SKIP
    for bdf in ('zz', '0000:3b:20.0', '3b:00'):
        out, err = run('show pf\n', args=['--vfio', bdf], rc=2)
        has(err, r'^vpf-cli: --vfio %s: not a PCI address \(dddd:bb:dd.f\): EINVAL$'
            % re.escape(bdf))
        hasnt(out, r'^vpf> ')


def case_script_nul():
    """A NUL byte in a script line fails that line (EINVAL, naming it)
    instead of cutting the command short or skipping it as blank."""
    out, err = run('mode get src 1\nmode get src 2\x00junk\n'
                   '\x00mode set src 1 freeze\nctx size src 1\x00 freeze\n'
                   'mode get src 1\n', rc=1)
    has(err, r'^error: line 2: NUL byte at column 15 \(a binary file\?\): '
        r'line not run: EINVAL$',
        r'^error: line 3: NUL byte at column 1 .*: EINVAL$',
        r'^error: line 4: NUL byte at column 15 .*: EINVAL$',
        r'3 of 5 commands failed \(lines 2 3 4\)')
    has(out, r'^vpf> mode get src 2\\0junk$', r'^vpf> \\0mode set src 1 freeze$')
    hasnt(out, r'^size:', r'^mode: freeze$')
    assert re.findall(r'^mode: (\w+)$', out, re.M) == ['active', 'active'], out


def case_script_pid():
    """$$ in a script line is vpf-cli's process id (demo.cmd names its
    context file with it, so that two demos at once do not collide)."""
    script = ('mode set src 1 freeze\nctx read src 1 %s\nctx dump %s\n# $$ stays\n'
              % (f('c-$$.bin'), f('c-$$.bin')))
    out, err = run(script)
    m = re.search(r'^vpf> ctx read src 1 (%s\d+\.bin)$' % re.escape(f('c-')), out, re.M)
    if not m:
        raise Fail('$$ not expanded:\n%s' % out)
    path = m.group(1)
    has(out, r'^file: %s$' % re.escape(path), r'^vpf> ctx dump %s$' % re.escape(path),
        r'^end: well formed$', r'^# \$\$ stays$')
    assert os.path.exists(path) and not os.path.exists(f('c-$$.bin')), os.listdir(TMP)


def case_options():
    out, err = run('show pf\n', args=['--model', 'name=a,vfs=2,vqs=1,seed=5',
                                      '--model', 'name=b'])
    has(out, r'^pfs: 2$', r'^pf: a$', r'^pf: b$', r'^num-vfs: 2$')
    hasnt(out, r'^pf: src$')
    # commands from stdin when it is not a terminal
    p = subprocess.run([CLI], input='mode get dst 4\n', capture_output=True,
                       text=True, timeout=30)
    check_sanitizers(p.stderr)
    assert p.returncode == 0, p
    has(p.stdout, r'^vpf> mode get dst 4$', r'^mode: active$')
    # explicit EAL options are used as given
    prefix = 'vpf-cli-test-%d' % os.getpid()
    p = subprocess.run([CLI, '--no-huge', '--no-pci', '--no-shconf',
                        '--file-prefix=' + prefix, '--log-level=lib.*:error',
                        '--', '-f', '-'], input='show pf\n',
                       capture_output=True, text=True, timeout=30)
    check_sanitizers(p.stderr)
    # a prefix given by the user is the user's: vpf-cli leaves its runtime
    # directory; this test removes it
    for d in ('/var/run/dpdk', os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/tmp'), 'dpdk'),
              '/tmp/dpdk'):
        shutil.rmtree(os.path.join(d, prefix), ignore_errors=True)
    assert p.returncode == 0, p
    has(p.stdout, r'^pfs: 2$')


def case_two_instances():
    """Two vpf-cli at once (each has its own file prefix)."""
    script = f('s.cmd')
    with open(script, 'w') as fp:
        fp.write('model guest src 1 2000\nmode set src 1 freeze\n'
                 'ctx read src 1 %s\nmode set src 1 active\n' % f('x.bin'))
    a = subprocess.Popen(argv0() + ['-f', script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(argv0() + ['-f', script], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for p in (a, b):
        out, err = p.communicate(timeout=30)
        check_sanitizers(err)
        if p.returncode != 0:
            raise Fail('instance failed (%d): %s %s' % (p.returncode, out, err))


def case_exit_restore():
    out, err = run('mode set src 1 freeze\nmode set src 2 stop\n'
                   'mode set dst 3 freeze\nmode set dst 3 active\n'
                   'mode set src 4 freeze\nctx read src 4 %s chunk=8\n' % f('p.bin'))
    has(out, r'^exit: src vf 1: freeze -> active \(restored\)$',
        r'^exit: src vf 2: stop -> active \(restored\)$',
        r'^exit: src vf 4: freeze -> active \(restored\)$')
    hasnt(out, r'^exit: dst')


def case_reattach():
    # A restarted vpf-cli finds VFs a dead one left outside Active, says
    # how to bring them back, and leaves them alone (also at exit).
    # (resume=no: cli_cases_journal.py has the resuming restart.)
    out, err = run('mode set src 1 freeze\nmode set src 2 stop\n'
                   'pf reattach src resume=no\nmode get src 1\n'
                   'mig abort src 2\n'
                   'pf reattach src resume=no\npf reattach nosuch\n', rc=1)
    s = section(out, 'pf reattach src resume=no')
    has(s, r'^reattached: src$',
        r'^attach: src vf 1: freeze \(found outside active; left as is; '
        r'way back: mig abort src 1\)$',
        r'^attach: src vf 2: stop \(found outside active',
        r'^found-outside-active: 2$')
    hasnt(s, r'^attach: src vf [34]')
    has(section(out, 'mode get src 1'), r'^mode: freeze$')
    # Second reattach: only VF 1 is left out.
    second = out.split('vpf> pf reattach src', 2)[2]
    has(second, r'^found-outside-active: 1$')
    has(err, r"^error: line 7: unknown PF 'nosuch' .*: ENOENT$")
    has(out, r'^exit: src vf 1: freeze \(not moved by vpf-cli; left as is\)$')
    hasnt(out, r'^exit: src vf 1: freeze -> active')


def stdin_proc(script, args=()):
    """vpf-cli reading commands from a pipe (-f -), @script written there
    and the pipe left open."""
    p = subprocess.Popen(argv0() + ['-f', '-'] + list(args),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    p.stdin.write(d14(script))
    p.stdin.flush()
    return p


def interrupt(p, seen, sig, rc=None):
    """Send @sig to @p and wait for it; @seen is what was read of its
    stdout before. Fails on a sanitizer report or, unless @rc is None, an
    exit status other than @rc. Returns (stdout, stderr)."""
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    out = seen + out
    check_sanitizers(err)
    if rc is not None and p.returncode != rc:
        raise Fail('signal %d: exit status %d\n%s\n%s' % (sig, p.returncode, out, err))
    return out, err


@both
def case_signal():
    """SIGTERM while waiting for commands: report, restore, exit 128+15."""
    rc, out, err = signal_during_script(signal.SIGTERM, 'mode set src 3 freeze\n')
    if rc != 128 + signal.SIGTERM:
        raise Fail('exit status %d\n%s\n%s' % (rc, out, err))
    has(out, r'^exit: src vf 3: freeze -> active \(restored\)$')
    has(err, r'SIGTERM received')


def signal_during_script(sig, script):
    """Feed @script on stdin, wait for its last result, send @sig."""
    p = stdin_proc(script)
    seen = wait_line(p, r'mode: freeze', timeout=20)
    out, err = interrupt(p, seen, sig)
    return p.returncode, out, err


@both
def case_signal_status():
    """A signal always exits 128+n (doc/cli.md), also after a command
    failed earlier in the script (which alone would exit 1)."""
    for sig, name in ((signal.SIGINT, 'SIGINT'), (signal.SIGTERM, 'SIGTERM')):
        for failed in (False, True):
            script = ('mode get src 9\n' if failed else '') + \
                'mode set src 3 freeze\n'
            rc, out, err = signal_during_script(sig, script)
            if rc != 128 + sig:
                raise Fail('%s after %s: exit status %d, expected %d\n%s\n%s'
                           % (name, 'a failure' if failed else 'success', rc,
                              128 + sig, out, err))
            has(out, r'^exit: src vf 3: freeze -> active \(restored\)$')
            has(err, r'%s received' % name)
            if failed:
                has(err, r'^error: line 1: unknown VF 9 on src .*: ENOENT$')


def rundir(pid):
    """The EAL runtime directory of vpf-cli's own prefix (as EAL names it)."""
    base = '/var/run' if os.geteuid() == 0 else \
        os.environ.get('XDG_RUNTIME_DIR', '/tmp')
    return os.path.join(base, 'dpdk', 'vpf-cli-%d' % pid)


def wait_line(p, pat, timeout=30):
    """Read @p's stdout until a line matches @pat; return what was read."""
    pat = d14(pat)
    deadline = time.time() + timeout
    seen = ''
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
        if re.search(pat, line):
            return seen
    p.kill()
    out, err = p.communicate(timeout=20)
    raise Fail('no line matching %r:\n%s%s\n--- stderr\n%s' % (pat, seen, out, err))


def script_proc(script):
    path = f('script.cmd')
    with open(path, 'w') as fp:
        fp.write(d14(script))
    return subprocess.Popen(argv0() + ['-f', path], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# A migration long enough to interrupt: every source command waits 1 ms
# (the model's delay fault), 1000 precopy rounds of several commands each.
LONG_MIGRATE = 'model fault src 1 delay 1000000\nmigrate src 1 dst 1 precopy=1000\n'


@both
def case_cancel_migrate_script():
    """SIGINT during a long `migrate` under -f: the migration stops (not
    after its 1000 rounds), the source runs, the destination has nothing
    applied, the rest of the script is skipped, exit 130, no runtime dir."""
    if not migrate_available():
        return SKIP
    p = script_proc(LONG_MIGRATE + 'mode get src 1\n')
    seen = wait_line(p, r'^progress: precopy round 3:')
    out, err = interrupt(p, seen, signal.SIGINT, 130)
    has(out, r'^status: cancelled$',
        r'^cancelled: migrate src vf 1 -> dst vf 1 after [\d.]+ s \(in precopy '
        r'round \d+\); source src vf 1 running \(active\), destination dst vf 1 '
        r'discarded \(active, nothing applied\)$')
    assert int(value(out, 'precopy-rounds')) < 1000, out
    has(err, r'^error: line 2: migrate cancelled by SIGINT: ECANCELED$',
        r'SIGINT received')
    hasnt(out, r'^vpf> mode get src 1$', r'^exit: ')
    assert not os.path.exists(rundir(p.pid)), rundir(p.pid)


@both
def case_cancel_migrate_sigterm():
    """SIGTERM (and SIGHUP, an ssh drop) during a long `migrate`: cancelled
    as Ctrl-C, restore, exit 128+n."""
    if not migrate_available():
        return SKIP
    for sig, name in ((signal.SIGTERM, 'SIGTERM'), (signal.SIGHUP, 'SIGHUP')):
        p = script_proc('mode set src 3 freeze\n' + LONG_MIGRATE)
        seen = wait_line(p, r'^progress: precopy round 2:')
        out, err = interrupt(p, seen, sig, 128 + sig)
        has(out, r'^cancelled: migrate src vf 1 -> dst vf 1 .*source src vf 1 '
            r'running \(active\)', r'^exit: src vf 3: freeze -> active \(restored\)$')
        has(err, r'migrate cancelled by %s: ECANCELED' % name, r'%s received' % name)
        assert not os.path.exists(rundir(p.pid)), rundir(p.pid)


def case_cancel_ctx_read():
    """SIGINT during a long `ctx read` (chunk=8, each command delayed):
    the partial read is discarded, no file is left, exit 130."""
    c = f('c.bin')
    p = script_proc('pf attach model big vqs=16\nmode set big 1 freeze\n'
                    'model fault big 1 delay 1000000\n'
                    'ctx read big 1 %s chunk=8\n' % c)
    seen = wait_line(p, r'^vpf> ctx read big 1 ')
    time.sleep(0.5)
    out, err = interrupt(p, seen, signal.SIGINT, 130)
    has(out, r"^cancelled: ctx read big vf 1 after [\d.]+ s at offset \d+; "
        r"(partial read discarded|nothing was read); '%s' not written$" % re.escape(c),
        r'^exit: big vf 1: freeze -> active \(restored\)$')
    hasnt(out, r'^read: ')
    has(err, r'^error: line 4: ctx read cancelled by SIGINT: ECANCELED$')
    assert sorted(os.listdir(TMP)) == ['script.cmd'], os.listdir(TMP)


def case_cancel_ctx_write_interactive():
    """Ctrl-C at the prompt during a long `ctx write`: the partial context
    is discarded (the VF can go back to active, nothing applied) and the
    session goes on."""
    c = f('c.bin')
    with pty_session() as t:
        for cmd in ('pf attach model big vqs=16', 'pf attach model big2 vqs=16',
                    'mode set big 1 freeze', 'ctx read big 1 %s' % c,
                    'mode set big2 1 freeze', 'model digest big2 1',
                    'model fault big2 1 delay 1000000'):
            t.write(cmd.encode() + b'\r')
            s = t.expect(b'vpf> ', timeout=30)
            if 'error:' in s:
                raise Fail('%s: %r' % (cmd, s))
            if cmd.startswith('model digest'):
                d0 = re.search(r'digest: ([0-9a-f]{64})', s).group(1)
        t.write(b'ctx write big2 1 %s chunk=8\r' % c.encode())
        t.expect(b'chunk=8')
        time.sleep(0.5)
        t.write(b'\x03')
        s = t.expect(b'vpf> ', timeout=30)
        if not re.search(r'cancelled: ctx write big2 vf 1 after [\d.]+ s at offset '
                         r'\d+ of \d+; (partial context discarded, nothing applied|'
                         r'nothing was sent)', s) or 'ECANCELED' not in s:
            raise Fail('no cancel report: %r' % s)
        t.write(b'model fault big2 0 clear\r')
        t.expect(b'vpf> ')
        t.write(b'mode set big2 1 active\r')
        s = t.expect(b'vpf> ')
        if 'mode: active' not in s:
            raise Fail('partial write not discarded: %r' % s)
        t.write(b'model digest big2 1\r')
        s = t.expect(b'vpf> ')
        if d0 not in s:
            raise Fail('something was applied: %r (before %s)' % (s, d0))
        t.write(b'\x04')
        s = t.rest(20)
        check_sanitizers(s)


def pty_finish(pid, fd, t):
    """Wait for the session's vpf-cli (killed after 15 s: a failed step left
    it open); return its exit status."""
    status = 0
    deadline = time.time() + 15
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.time() > deadline:
                os.kill(pid, signal.SIGKILL)
                _, status = os.waitpid(pid, 0)
                break
            t.rest(0.2)
    except ChildProcessError:
        pass
    os.close(fd)
    return os.waitstatus_to_exitcode(status)


@contextlib.contextmanager
def pty_session():
    """vpf-cli -i on a pseudo-terminal, at its first prompt. On the way out
    it is waited for, and a non-zero exit status fails the case."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(CLI, argv0() + ['-i'])
    t = Pty(fd)
    try:
        t.expect(b'vpf> ', timeout=30)
        yield t
    finally:
        status = pty_finish(pid, fd, t)
    if status != 0:
        raise Fail('exit status %d' % status)


@both
def case_cancel_migrate_interactive():
    """Ctrl-C at the prompt during a long `migrate` cancels it and the
    prompt comes back (today's three Ctrl-C did nothing until the end)."""
    if not migrate_available():
        return SKIP
    with pty_session() as t:
        t.write(b'model fault src 1 delay 1000000\r')
        t.expect(b'vpf> ')
        t.write(b'migrate src 1 dst 1 precopy=1000\r')
        t.expect(b'progress: precopy round 3:', timeout=30)
        t.write(b'\x03')
        s = t.expect(b'vpf> ', timeout=30)
        if not re.search(r'cancelled: migrate src vf 1 -> dst vf 1 after [\d.]+ s '
                         r'\(in precopy round \d+\); source src vf 1 running', s):
            raise Fail('no cancel report: %r' % s)
        t.write(b'model fault src 0 clear\r')
        t.expect(b'vpf> ')
        t.write(b'mode get src 1\r')
        s = t.expect(b'vpf> ')
        if 'mode: active' not in s:
            raise Fail('source not active: %r' % s)
        t.write(b'quit\r')
        s = t.rest(20)
        check_sanitizers(s)
        if 'Leave now' in s:
            raise Fail('quit asked with every VF active: %r' % s)


@both
def case_signal_hup():
    """SIGHUP (an ssh drop) restores as quit does and exits 129, also when
    stdout is gone (no death by SIGPIPE in the middle of the restore)."""
    rc, out, err = signal_during_script(signal.SIGHUP, 'mode set src 3 freeze\n')
    if rc != 128 + signal.SIGHUP:
        raise Fail('exit status %d\n%s\n%s' % (rc, out, err))
    has(out, r'^exit: src vf 3: freeze -> active \(restored\)$')
    has(err, r'SIGHUP received')
    p = stdin_proc('mode set src 3 freeze\n')
    wait_line(p, r'^mode: freeze$')
    p.stdout.close()
    p.send_signal(signal.SIGHUP)
    err = p.stderr.read()
    p.wait(timeout=20)
    check_sanitizers(err)
    if p.returncode != 128 + signal.SIGHUP:
        raise Fail('closed stdout: exit status %d\n%s' % (p.returncode, err))
    assert not os.path.exists(rundir(p.pid)), rundir(p.pid)


@both
def case_rundir_removed():
    """The runtime directory of vpf-cli's own prefix exists while it runs
    and is gone after every way out: quit, end of -f, SIGINT, SIGTERM,
    SIGHUP, a start-up failure."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        p = stdin_proc('mode set src 3 freeze\n')
        seen = wait_line(p, r'^mode: freeze$')
        if not os.path.isdir(rundir(p.pid)):
            p.kill()
            p.communicate()
            raise Fail('no runtime dir %s while running' % rundir(p.pid))
        interrupt(p, seen, sig, 128 + sig)
        if os.path.exists(rundir(p.pid)):
            raise Fail('signal %d: %s left' % (sig, rundir(p.pid)))
    # normal exits and a start-up failure, with the pid known
    for args, stdin, rc in (([], 'show pf\n', 0), ([], 'quit\n', 0),
                            (['--model', 'name=a', '--model', 'name=a'], 'show pf\n', 1)):
        p = stdin_proc(stdin, args)
        out, err = p.communicate(timeout=30)
        check_sanitizers(err)
        if p.returncode != rc:
            raise Fail('%r %r: exit status %d\n%s' % (args, stdin, p.returncode, err))
        if os.path.exists(rundir(p.pid)):
            raise Fail('%r %r: %s left' % (args, stdin, rundir(p.pid)))


def case_migrate_force():
    """migrate refuses a destination that already received a migration
    (migrate or the manual flow, completed or in progress) unless
    force=yes."""
    if not migrate_available():
        return SKIP
    c = f('c.bin')
    out, err = run('migrate src 1 dst 1\nmigrate src 2 dst 1\nshow vf dst 1\n'
                   'migrate src 2 dst 1 force=maybe\nmigrate src 2 dst 1 force=yes\n'
                   'mode set src 4 freeze\nctx read src 4 %s\nmode set dst 4 freeze\n'
                   'ctx write dst 4 %s\nmigrate src 3 dst 4\nmode set dst 4 active\n'
                   'migrate src 3 dst 4\nhelp migrate\n' % (c, c), rc=1)
    has(section(out, 'migrate src 1 dst 1'), r'^status: ok$')
    has(err, r'^error: line 2: destination dst vf 1 is the target of a completed '
        r'migration \(from src vf 1\): the guest runs there; force=yes to overwrite '
        r'it: EBUSY$',
        r"^error: line 4: bad force 'maybe' \(yes or no\): EINVAL$",
        r'^error: line 10: destination dst vf 4 is the target of a migration in '
        r'progress \(a context of src vf 4 was written to it with ctx write\); '
        r'force=yes to overwrite it: EBUSY$',
        r'^error: line 12: destination dst vf 4 is the target of a completed '
        r'migration \(from src vf 4\).*: EBUSY$')
    hasnt(err, r'^error: line (1|3|5|6|7|8|9|11|13):')
    has(section(out, 'show vf dst 1'), r'^migrated-from: src vf 1$')
    s = section(out, 'migrate src 2 dst 1 force=yes')
    has(s, r'^status: ok$', r'^digest: equal$')
    has(section(out, 'help migrate'), r'\[force=yes\|no\]')


def case_quit_confirm():
    """At the prompt, quit with a VF outside active says what leaving does
    and asks (y/N); no keeps everything. A script's quit never asks."""
    with pty_session() as t:
        t.write(b'mode set src 1 freeze\r')
        t.expect(b'mode: freeze', b'vpf> ')
        t.write(b'quit\r')
        t.expect(b'quit: src vf 1: freeze: will be restored to active',
                 b'Leave now? [y/N] ')
        t.write(b'n\r')
        t.expect(b'quit: not confirmed; nothing changed', b'vpf> ')
        t.write(b'mode get src 1\r')
        s = t.expect(b'vpf> ')
        if 'mode: freeze' not in s:
            raise Fail('quit changed something: %r' % s)
        t.write(b'quit\r')
        t.expect(b'Leave now? [y/N] ')
        t.write(b'y\r')
        s = t.rest(20)
        check_sanitizers(s)
        if 'exit: src vf 1: freeze -> active (restored)' not in s:
            raise Fail('no restore after yes: %r' % s)
    out, err = run('mode set src 1 freeze\nquit\nmode get src 1\n')
    hasnt(out, r'Leave now', r'^vpf> mode get src 1$')
    has(out, r'^exit: src vf 1: freeze -> active \(restored\)$')


def case_hints():
    """Device refusals say what to do (a `hint:` line after the error)."""
    c = f('c.bin')
    junk = f('junk.bin')
    with open(junk, 'wb') as fp:
        fp.write(b'VPFMIG\r\n' + bytes(range(256)) * 4)
    out, err = run('mode set src 1 freeze\nctx read src 1 %s\n'
                   'ctx write src 2 %s\n'
                   'wr start src 3 4K 0:16\nwr start src 3 4K 0:16\n'
                   'wr read src 4 0 1M\n'
                   'mode set dst 1 freeze\nctx write dst 1 %s\n'
                   'ctx read src 2 %s\n'
                   'model fault src 3 hang\nmode get src 3\n'
                   'model fault src 4 eagain 1000\nmode get src 4\n'
                   % (c, c, junk, f('run.bin')), rc=1, timeout=60)
    has(err,
        r'^error: line 3: DEV_CTX_WRITE chunk 1 at offset 0: .*: EINVAL '
        r'\(device status EINVAL, qualifier INVALID_COMMAND\)$',
        r'^hint: src vf 2 is active: DEV_CTX_WRITE needs Freeze '
        r'\(mode set src 2 freeze\)$',
        r'^error: line 5: .*qualifier INVALID_COMMAND\)$',
        r"^hint: write recording is already on for src vf 3: 'wr read src 3 \.\.\.' "
        r"reads it, 'wr stop src 3' ends it before a new start$",
        r'^error: line 6: .*qualifier INVALID_COMMAND\)$',
        r"^hint: write recording is not on for src vf 4: 'wr start src 4 "
        r"<page_size> <addr>:<pages>' first$",
        r"^error: line 8: '%s' is not a device context: \w+ at byte offset \d+: "
        r".*; nothing sent: EBADMSG$" % re.escape(junk),
        r"^hint: 'ctx dump %s' decodes it up to the problem; a context comes "
        r"from 'ctx read'; force=yes sends it anyway$" % re.escape(junk),
        r'^error: line 11: .*: ETIMEDOUT',
        r"^hint: the device did not answer DEV_MODE_GET in time .*'stats src'",
        r'^error: line 13: .*: EAGAIN',
        r"^hint: the device stayed busy through vpf's retries")
    has(section(out, 'ctx read src 2 %s' % f('run.bin')),
        r"^note: src vf 2 is active: this context is a snapshot of a VF that "
        r"still changes; 'mode set src 2 freeze' first for the final one$")
    hasnt(section(out, 'ctx read src 1 %s' % c), r'^note:')
    # garbage goes to the device only when asked
    out, err = run('mode set dst 1 freeze\nctx write dst 1 %s force=yes\n' % junk,
                   rc=1)
    has(err, r'^error: line 2: DEV_CTX_WRITE chunk 1 at offset 0: .*qualifier '
        r'INVALID_FIELD\)$',
        r"^hint: the device refused the context's contents: 'ctx dump %s' "
        r"decodes it, 'ctx fields dst 1' lists the fields this VF takes$"
        % re.escape(junk))


def case_telemetry():
    tel = shutil.which('dpdk-telemetry.py') or '/usr/bin/dpdk-telemetry.py'
    if not os.path.exists(tel):
        return SKIP
    p = stdin_proc('mode set src 2 freeze\nmode get src 2\n')
    wait_line(p, r'mode: freeze', timeout=20)
    try:
        q = subprocess.run(['python3', tel, '-f', 'vpf-cli-%d' % p.pid],
                           input='/vpf/pf/list\n/vpf/pf/info,src\n'
                                 '/vpf/vf/info,src,2\n/vpf/stats,src\n'
                                 '/vpf/vf/info,src,9\n/vpf/pf/info,nope\n',
                           capture_output=True, text=True, timeout=30)
        if q.returncode != 0:
            raise Fail('dpdk-telemetry.py failed: %s %s' % (q.stdout, q.stderr))
        js = [json.loads(l) for l in q.stdout.splitlines() if l.startswith('{')]
        if len(js) != 6:
            raise Fail('expected 6 replies: %s' % q.stdout)
        assert js[0] == {'/vpf/pf/list': ['src', 'dst']}, js[0]
        info = js[1]['/vpf/pf/info']
        assert info['name'] == 'src' and info['backend'] == 'model', info
        assert info['num_vfs'] == 4 and info['vendor_id'] == 0x1af4, info
        vf = js[2]['/vpf/vf/info']
        assert vf['pf'] == 'src' and vf['vf'] == 2 and vf['mode'] == 'freeze', vf
        assert vf['moved_by_cli'] == 1, vf
        st = js[3]['/vpf/stats']
        assert st['pf'] == 'src' and st['DEV_MODE_SET'] == 1, st
        assert st['DEV_MODE_GET'] >= 1 and st['errors'] == 0, st
        assert js[4] == {'/vpf/vf/info': None}, js[4]
        assert js[5] == {'/vpf/pf/info': None}, js[5]
    finally:
        out, err = p.communicate(timeout=20)
    check_sanitizers(err)
    if p.returncode != 0:
        raise Fail('vpf-cli exit %d: %s %s' % (p.returncode, out, err))
    has(out, r'^exit: src vf 2: freeze -> active \(restored\)$')
    # the runtime directory of its own prefix is gone
    for d in ('/var/run/dpdk', os.path.join(os.environ.get('XDG_RUNTIME_DIR', '/nonexistent'), 'dpdk')):
        assert not os.path.exists(os.path.join(d, 'vpf-cli-%d' % p.pid)), d


class Pty:
    """The controlling side of a pseudo-terminal, read like pexpect: every
    expect() consumes the output up to and including what it waited for and
    keeps the rest, so a prompt that arrives late (or early, in the same
    chunk as the line before it) is never mistaken for the next one."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b''
        self.eof = False

    def _fill(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:
            chunk = b''
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _find(self, words, ordered):
        """End of the last word if all have appeared (in order if asked)."""
        pos = 0
        cut = 0
        for w in words:
            i = self.buf.find(w, pos if ordered else 0)
            if i < 0:
                return -1
            cut = max(cut, i + len(w))
            if ordered:
                pos = i + len(w)
        return cut

    def expect(self, *words, ordered=True, timeout=10.0):
        """Wait until every word has appeared in the unread output (one after
        the other unless ordered=False); return the output up to the end of
        the last of them, or raise Fail with what was seen."""
        end = time.time() + timeout
        while True:
            cut = self._find(words, ordered)
            if cut >= 0:
                out, self.buf = self.buf[:cut], self.buf[cut:]
                return out.decode(errors='replace')
            left = end - time.time()
            if left <= 0 or self.eof:
                raise Fail('waited for %r, got %r' %
                           (words, self.buf.decode(errors='replace')))
            self._fill(min(left, 0.1))

    def rest(self, timeout):
        """Everything up to end of file (or timeout)."""
        end = time.time() + timeout
        while not self.eof and time.time() < end:
            self._fill(0.1)
        out, self.buf = self.buf, b''
        return out.decode(errors='replace')

    def write(self, data):
        os.write(self.fd, data)


def case_interactive():
    """A session through a pseudo-terminal: prompt, tab completion of
    commands and PF names, '?' help, history, errors, and EOF (Ctrl-D)."""
    with pty_session() as t:
        t.write(b'he\t')
        t.expect(b'help')                         # he<TAB> completes
        t.write(b'\x03')                          # Ctrl-C clears the line
        t.expect(b'vpf> ')
        t.write(b'mode g\t')
        t.expect(b'mode get')                     # mode g<TAB> completes
        t.write(b'd\t')
        t.expect(b'dst')                          # PF names complete
        t.write(b'3\r')
        s = t.expect(b'mode: ', b'vpf> ')
        if 'mode: active' not in s:
            raise Fail('mode get dst 3 gave %r' % s)
        t.write(b'mode set src 1 ?')
        t.expect(b'active', b'stop', b'freeze', ordered=False)  # '?' lists
        t.write(b'\x03')
        t.expect(b'vpf> ')
        t.write(b'help ctx dump\r')
        t.expect(b'ctx dump <file>')
        t.expect(b'vpf> ')
        t.write(b'mode set src 1 freeze\r')
        s = t.expect(b'mode: ', b'vpf> ')
        if 'mode: freeze' not in s:
            raise Fail('mode set gave %r' % s)
        t.write(b'\x1b[A\r')                     # Up: history, run again
        s = t.expect(b'mode: ', b'vpf> ')
        if 'mode set src 1 freeze' not in s or 'mode: freeze' not in s:
            raise Fail('history did not recall the last command: %r' % s)
        t.write(b'nonsense\r')
        s = t.expect(b"unknown command 'nonsense'")
        t.expect(b'vpf> ')
        t.write(b'\x04')                          # Ctrl-D on an empty line
        s = t.rest(20)
        check_sanitizers(s)
        if 'exit: src vf 1: freeze -> active (restored)' not in s:
            raise Fail('no exit report: %r' % s)


def question(t, typed):
    """Type @typed and '?' at the prompt; the lines '?' listed, then clear
    the line (Ctrl-C)."""
    t.write(typed + b'?')
    out = t.expect(b'vpf> ' + typed)
    t.write(b'\x03')
    t.expect(b'vpf> ')
    return [l.strip() for l in out.replace('\r', '').split('\n')[1:-1]
            if l.strip()]


def case_help_question():
    """'?' lists each command once (not once per optional-argument
    variant), and where the variants part, each way on once."""
    with pty_session() as t:
        # "show [...]: show vf <pf> [<vf>]: one VF, ..."
        lines = question(t, b'')
        syn = [re.sub(r'^\S+ \[[^]]*\]: ', '', l).split(': ')[0]
               for l in lines]
        dup = sorted(set(x for x in syn if syn.count(x) > 1))
        if dup:
            raise Fail("'?' lists %r more than once:\n%s" %
                       (dup, '\n'.join(lines)))
        for want in ('show vf <pf> [<vf>]', 'migrate <src-pf>', 'help',
                     'ctx read <pf>', 'model fault <pf> <vf> <kind>'):
            if not any(x.startswith(want) for x in syn):
                raise Fail("'?' does not list %r:\n%s" % (want, '\n'.join(lines)))
        lines = question(t, b'ctx write src 1 f ')
        words = sorted(l.split()[0] for l in lines)
        if words != ['[RETURN]', 'chunk=', 'force=']:
            raise Fail("'ctx write src 1 f ?' lists %r" % lines)
        lines = question(t, b'show vf src ')
        words = sorted(l.split(':')[0] for l in lines)
        if words != ['[<vf>]', '[RETURN]']:
            raise Fail("'show vf src ?' lists %r" % lines)
        lines = question(t, b'ctx ')
        words = [l.split()[0] for l in lines]
        if sorted(words) != sorted(set(words)):
            raise Fail("'ctx ?' lists a word twice: %r" % lines)
        t.write(b'he\t')                          # Tab still completes
        t.expect(b'help')
        t.write(b'\x03')
        t.expect(b'vpf> ')
        t.write(b'\x04')
        check_sanitizers(t.rest(20))


def case_demo():
    """The shipped demo command file runs clean."""
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        '..', '..', 'app', 'vpf-cli', 'demo.cmd')
    if not migrate_available():
        return SKIP
    cwd = os.getcwd()
    os.chdir(TMP)
    try:
        p = subprocess.run(argv0() + ['-f', demo], capture_output=True,
                           text=True, timeout=60)
    finally:
        os.chdir(cwd)
    check_sanitizers(p.stderr)
    if p.returncode != 0:
        raise Fail('demo failed (%d):\n%s\n%s' % (p.returncode, p.stdout, p.stderr))
    assert len(re.findall(r'^digest: equal$', p.stdout, re.M)) >= 5, p.stdout
    has(p.stdout, r'^progress: precopy round 1: ', r'^status: ok$')
    # and one 1.4 VF by hand, another with the migration API
    has(p.stdout, r'^dialect: 1.4$', r'^end: \d+ parts, well formed$',
        r'^exit: s14 vf 2: stop \(migrated to d14 vf 2; left as is\)$')


def migrate_available():
    out, err = run('help migrate\n', rc=None)
    return 'migrate <src-pf>' in out


# More cases live beside this file in cli_cases_<area>.py: they run in this
# module's namespace (run(), has(), CLI, TMP ...), as if written here.
for _f in sorted(os.listdir(os.path.dirname(os.path.abspath(__file__)))):
    if _f.startswith('cli_cases_') and _f.endswith('.py'):
        _p = os.path.join(os.path.dirname(os.path.abspath(__file__)), _f)
        with open(_p) as _fp:
            exec(compile(_fp.read(), _p, 'exec'), globals())

CASES = [n[5:] for n in sorted(globals()) if n.startswith('case_')]


def main():
    global CLI, TMP, DIALECT
    if len(sys.argv) == 2 and sys.argv[1] == '--list':
        print('\n'.join(CASES + sorted(c + '_v14' for c in BOTH)))
        return 0
    name = sys.argv[2] if len(sys.argv) == 3 else ''
    if name.endswith('_v14') and name[:-4] in BOTH:
        DIALECT = '1.4'
        name = name[:-4]
    if len(sys.argv) != 3 or name not in CASES:
        print('usage: cli_test.py --list | VPF_CLI CASE[_v14]', file=sys.stderr)
        return 2
    CLI = os.path.abspath(sys.argv[1])
    TMP = tempfile.mkdtemp(prefix='vpf-cli-test-')
    try:
        rc = globals()['case_' + name]()
    except (Fail, AssertionError) as e:
        print('FAIL %s: %s' % (sys.argv[2], e))
        return 1
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    if rc == SKIP:
        print('SKIP %s' % sys.argv[2])
        return SKIP
    print('PASS %s' % sys.argv[2])
    return 0


if __name__ == '__main__':
    sys.exit(main())
