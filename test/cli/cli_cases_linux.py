# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
# vpf-cli script cases (linux); run inside cli_test.py's namespace.
#
# Linux virtio-vfio-pci's migration records: `mig save ... format=linux`
# on a virtio 1.4 PF, `mig load` recognising them (file and FIFO), hand-made
# record streams (the CVE-2025-38314 tail, optional and required unknown
# tags, other tails), and draft PFs refusing both ways.

import struct

LNX_MODELS = ['--model', 'name=a,dialect=1.4,seed=1', '--model',
              'name=b,dialect=1.4,seed=2', '--model', 'name=d']
LNX_HEX64 = r'[0-9a-f]{64}'


def lnx_records(data):
    """[(flags, tag, payload)] of a Linux record stream."""
    recs, off = [], 0
    while off < len(data):
        size, flags, tag = struct.unpack_from('<QII', data, off)
        off += 16
        recs.append((flags, tag, data[off:off + size]))
        off += size
    if off != len(data):
        raise Fail('record stream of %d bytes ends inside a record' % len(data))
    return recs


def lnx_record(payload, flags=0, tag=0, extra=b''):
    return struct.pack('<QII', len(payload) + len(extra), flags, tag) + payload + extra


def lnx_digest(out, cmd):
    return value(section(out, cmd), 'digest')


def case_linux_save_load():
    """mig save format=linux on a 1.4 PF writes one record per precopy
    round and one for stop-copy (record_size, flags 0, tag 0, a parts set
    each); mig load recognises them (format: linux) and the destination's
    digest equals the source's; help names the format."""
    stream = f('l.bin')
    out, err = run('model guest a 1 400\nmodel compare a 1 b 1\n'
                   'mig save a 1 %s precopy=2 format=linux\n'
                   'mig load b 1 %s\nmodel compare a 1 b 1\n'
                   'model guest b 1 50\nhelp mig save\nhelp mig load\n'
                   % (stream, stream), args=LNX_MODELS, rc=1)
    has(err, r'^error: line 2: a vf 1 and b vf 1 differ: EIO$')
    hasnt(err, r'^error: line [^2]')
    has(section(out, 'model compare a 1 b 1'), r'^digest: different$')
    s = section(out, 'mig save a 1 %s precopy=2 format=linux' % stream)
    has(s, r'^status: ok$', r'^format: linux$', r'^linux-records: 3$',
        r'^precopy-rounds: 2$', r'^state: STOP$', r'^digest: %s$' % LNX_HEX64)
    data = open(stream, 'rb').read()
    if int(value(s, 'saved')) != len(data):
        raise Fail('saved %s, file has %d bytes' % (value(s, 'saved'), len(data)))
    recs = lnx_records(data)
    if len(recs) != 3 or any(fl != 0 or tag != 0 or len(p) == 0
                             for fl, tag, p in recs):
        raise Fail('records: %r' % [(fl, tag, len(p)) for fl, tag, p in recs])
    # not vpf's stream
    if data.startswith(b'VPFMIG\r\n'):
        raise Fail('format=linux wrote vpf magic')
    l = section(out, 'mig load b 1 %s' % stream)
    has(l, r'^format: linux$', r'^status: ok$', r'^linux-records: 3$',
        r'^state: RUNNING$')
    hasnt(l, r'^warning:')
    if value(l, 'digest') != value(s, 'digest'):
        raise Fail('digests differ:\n%s\n%s' % (s, l))
    has(out.split('vpf> model compare a 1 b 1\n')[2], r'^digest: equal$')
    has(section(out, 'model guest b 1 50'), r'^ops: 50$')
    has(section(out, 'help mig save'), r'format=vpf\|linux .*Linux')
    has(section(out, 'help mig load'), r'Linux virtio-vfio-pci records')
    # vpf's own stream of a 1.4 PF is still vpf's (no format line on load)
    out, err = run('mig save a 2 %s\nmig load b 2 %s\n' % (f('v.bin'), f('v.bin')),
                   args=LNX_MODELS)
    has(section(out, 'mig save a 2 %s' % f('v.bin')), r'^format: vpf$')
    hasnt(section(out, 'mig load b 2 %s' % f('v.bin')), r'^format:')
    if not open(f('v.bin'), 'rb').read().startswith(b'VPFMIG\r\n'):
        raise Fail('format=vpf did not write vpf magic')


def case_linux_handmade():
    """Hand-made record streams into a 1.4 PF: a record whose parts end 8
    bytes early (Linux 6.13.0-6.15.2, CVE-2025-38314) is loaded with a
    warning naming the bug; an unknown tag flagged optional is skipped; 7,
    9 or 16 trailing bytes, a required unknown tag, a record over 4 GiB - 1
    and a cut record are refused with nothing applied."""
    stream = f('l.bin')
    out, err = run('model guest a 1 300\nmig save a 1 %s precopy=1 format=linux\n'
                   % stream, args=LNX_MODELS)
    src = lnx_digest(out, 'mig save a 1 %s precopy=1 format=linux' % stream)
    recs = [p for fl, tag, p in lnx_records(open(stream, 'rb').read())]

    good = (lnx_record(b'\x5a' * 24, flags=1, tag=9) +
            lnx_record(recs[0], extra=b'\xee' * 8) +
            lnx_record(b'', flags=1, tag=0x7fffffff) +
            lnx_record(recs[1], extra=b'\0' * 8))
    open(f('cve.bin'), 'wb').write(good)
    out, err = run('mig load b 1 %s\nmodel digest b 1\n' % f('cve.bin'),
                   args=LNX_MODELS)
    l = section(out, 'mig load b 1 %s' % f('cve.bin'))
    has(l, r'^format: linux$', r'^status: ok$', r'^linux-records: 2$',
        r'^linux-skipped: 2 ',
        r'^warning: 2 Linux records: .*8 bytes.*Linux 6\.13\.0 to 6\.15\.2.*'
        r'CVE-2025-38314')
    if value(l, 'digest') != src:
        raise Fail('digest %s, source %s' % (value(l, 'digest'), src))

    bad = {
        'tail7': lnx_record(recs[0]) + lnx_record(recs[1], extra=b'\xee' * 7),
        'tail9': lnx_record(recs[0], extra=b'\xee' * 9) + lnx_record(recs[1]),
        'tail16': lnx_record(recs[0]) + lnx_record(recs[1], extra=b'\xee' * 16),
        'required': lnx_record(recs[0]) + lnx_record(b'x', tag=5) + lnx_record(recs[1]),
        'huge': lnx_record(recs[0]) + struct.pack('<QII', 1 << 32, 0, 0),
        'cut': (lnx_record(recs[0]) + lnx_record(recs[1]))[:-3],
        'empty': b'',
    }
    why = {
        'tail7': r'7 bytes at offset \d+ follow its last part',
        'tail9': r'9 bytes at offset \d+ follow its last part',
        'tail16': r'malformed device parts',
        'required': r'unknown tag 5 is not flagged optional',
        'huge': r'record_size 4294967296 is over 4 GiB - 1',
        'cut': r'ends at offset',
        'empty': r'empty',
    }
    script = ''
    for name, data in bad.items():
        open(f(name + '.bin'), 'wb').write(data)
        script += 'mig load b 1 %s\n' % f(name + '.bin')
    out, err = run('model digest b 1\n' + script + 'model digest b 1\nmig state b 1\n',
                   args=LNX_MODELS, rc=1)
    d = digests(out)
    if len(d) != 2 or d[0] != d[1]:
        raise Fail('destination changed:\n%s' % out)
    for i, name in enumerate(bad):
        has(err, r'^error: line %d: mig load b vf 1 failed in .*%s.*; destination '
            r'running \(active\), nothing applied \(digest unchanged\): E[A-Z]+$'
            % (i + 2, why[name]))
        if name != 'empty':
            has(section(out, 'mig load b 1 %s' % f(name + '.bin')), r'^format: linux$')
    has(section(out, 'mig state b 1'), r'^state: RUNNING$')


def case_linux_draft_refused():
    """A draft PF neither saves Linux records (format=linux refused before
    the device is touched) nor loads them (refused, nothing applied); a
    bad format value names the accepted ones."""
    stream = f('l.bin')
    # a Linux record stream of a 1.4 PF, for the draft PF to refuse
    out, err = run('mig save a 1 %s format=linux\n' % stream, args=LNX_MODELS)
    out, err = run('model digest d 1\nmig save d 1 %s format=linux\n'
                   'mig save d 1 %s format=qemu\nmig state d 1\n'
                   'mig load d 2 %s\nmig state d 2\n'
                   % (f('x.bin'), f('x.bin'), stream), args=LNX_MODELS, rc=1)
    has(err, r"^error: line 2: format=linux needs the virtio 1\.4 dialect \(device "
        r"parts\); d speaks seed-2023, whose contexts travel in vpf's stream only "
        r"\(format=vpf\): EOPNOTSUPP$",
        r"^error: line 3: bad format 'qemu' \(vpf or linux\): EINVAL$",
        r"^error: line 5: mig load d vf 2 failed in the stream: '.*l\.bin' holds "
        r"Linux virtio-vfio-pci migration records, which carry virtio 1\.4 device "
        r"parts; d speaks seed-2023 \(draft contexts\) and cannot load them; "
        r"destination running \(active\), nothing applied \(digest unchanged\): "
        r"EPROTO$")
    has(section(out, 'mig state d 1'), r'^state: RUNNING$')
    has(section(out, 'mig state d 2'), r'^state: RUNNING$')
    if os.path.exists(f('x.bin')):
        raise Fail('a refused save left a file')


def case_linux_fifo():
    """format=linux through a FIFO between two vpf-cli processes, 3 precopy
    rounds: records leave as they are made, the loader converts them as
    they come; equal digests."""
    fifo = f('fifo')
    os.mkfifo(fifo)
    save = 'model guest a 1 700\nmig save a 1 %s precopy=3 format=linux\n' % fifo
    load = 'mig load b 1 %s\nmig state b 1\nmodel guest b 1 10\n' % fifo
    a = popen_script('save.cmd', save, LNX_MODELS)
    time.sleep(0.3)
    b = popen_script('load.cmd', load, LNX_MODELS)
    out_a, err_a = finish(a, what='saver')
    out_b, err_b = finish(b, what='loader')
    s = section(out_a, 'mig save a 1 %s precopy=3 format=linux' % fifo)
    has(s, r"\(fifo, precopy 3\)$", r'^status: ok$', r'^format: linux$',
        r'^linux-records: 4$')
    l = section(out_b, 'mig load b 1 %s' % fifo)
    has(l, r'^format: linux$', r'^status: ok$', r'^linux-records: 4$',
        r'^state: RUNNING$')
    if value(s, 'saved') != value(l, 'loaded'):
        raise Fail('saved %s, loaded %s' % (value(s, 'saved'), value(l, 'loaded')))
    if value(s, 'digest') != value(l, 'digest'):
        raise Fail('digests differ:\n%s\n%s' % (s, l))
