# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
# vpf-cli script cases (parts); run inside cli_test.py's namespace.
#
# The virtio 1.4 dialect by hand: dialect= on model PFs, mode get/set on a
# 1.4 PF, cap list|get|set, parts obj create|destroy, parts meta|get|set|
# dump, model ring-move, and a VF migrated between two 1.4 PFs with these
# commands only.

import struct

V14 = ['--model', 'name=a,dialect=1.4,seed=1', '--model',
       'name=b,dialect=1.4,seed=2', '--model', 'name=d']
HEX64 = r'[0-9a-f]{64}'


def case_parts_attach_dialect():
    """dialect=seed-2023|1.4 on `pf attach model` and --model; a bad value
    names the accepted ones; show pf says the dialect and, on a 1.4 PF,
    its object limits and objects."""
    out, err = run('pf attach model m dialect=1.4 vfs=2\n'
                   'pf attach model n dialect=seed-2023\n'
                   'pf attach model o dialect=1.5\n'
                   'help pf attach model\nshow pf\n', rc=1)
    has(section(out, 'pf attach model m dialect=1.4 vfs=2'),
        r'^dialect: 1\.4$', r'^vfs: 2$')
    has(section(out, 'pf attach model n dialect=seed-2023'),
        r'^dialect: seed-2023$')
    has(err, r"^error: line 3: bad dialect '1\.5' \(seed-2023 or 1\.4\): EINVAL$")
    has(section(out, 'help pf attach model'),
        r'^    dialect=seed-2023\|1\.4 +default: seed-2023 ')
    s = section(out, 'show pf')
    m = s[s.index('pf: m\n'):s.index('pf: n\n')]
    has(m, r'^dialect: 1\.4$', r'^parts-get-limit: 4$', r'^parts-set-limit: 4$',
        r'^parts-get-in-use: 0$', r'^parts-objects: 0$')
    n = s[s.index('pf: n\n'):]
    has(n, r'^dialect: seed-2023$')
    hasnt(n, r'^parts-')
    # --model: a bad dialect is a usage error
    out, err = run('show pf\n', args=['--model', 'name=x,dialect=1.4'])
    has(out, r'^dialect: 1\.4$')
    out, err = run(None, args=['--model', 'name=x,dialect=virtio'], rc=2)
    has(err, r"^vpf-cli: --model name=x,dialect=virtio: bad dialect 'virtio' "
        r"\(seed-2023 or 1\.4\): EINVAL$")


def case_parts_mode_v14():
    """On a 1.4 PF mode set sends DEV_MODE_SET stop / resume (no freeze);
    mode get and show vf give the driver's record and say it is one; the
    exit restores a VF vpf-cli stopped."""
    out, err = run('mode get a 1\nmode set a 1 stop\nmode get a 1\n'
                   'show vf a 1\nmode set a 2 freeze\nmode set a 2 stop\n'
                   'mode set a 2 active\nmode get a 2\nstats a\n', args=V14, rc=1)
    has(section(out, 'mode get a 1'), r'^mode: active$',
        r"^mode-source: driver record \(a virtio 1\.4 device cannot report "
        r"a VF's mode\)$", r'^model-mode: active$')
    s = out.split('vpf> mode get a 1\n')[2]
    has(s, r'^mode: stop$', r'^model-mode: stop$')
    has(section(out, 'show vf a 1'), r'^mode: stop$',
        r'^mode-source: driver record$', r'^moved-by-cli: yes$')
    has(err, r'^error: line 5: a virtio 1\.4 VF is running or stopped: there '
        r'is no freeze .*: EOPNOTSUPP$')
    has(section(out, 'mode get a 2'), r'^mode: active$', r'^model-mode: active$')
    # the 1.4 DEV_MODE_SET went out (opcode 0x11, counted by number)
    has(section(out, 'stats a'), r'^cmds: [1-9]')
    has(out, r'^exit: a vf 1: stop -> active \(restored\)$')
    hasnt(out, r'^exit: a vf 2', r'mode unknown')


def case_parts_cap():
    """cap list|get|set on a 1.4 PF; bad ids, bad hex, limits above the
    device's, a change while objects exist; a draft PF is refused."""
    out, err = run('cap list a\ncap get a 0\ncap get a 7\ncap get a x\n'
                   'cap set a 0 zz\ncap set a 0 020\n'
                   'cap set a 0 %s\n'
                   'cap set a 0 0504\ncap set a 0 02:01\nshow pf\n'
                   'parts obj create a 1 get\ncap set a 0 0404\n'
                   'cap list d\ncap get d 0\ncap set d 0 0101\n'
                   'help cap set\n' % ('00' * 65), args=V14, rc=1)
    has(section(out, 'cap list a'), r'^caps: 0x0000000000000001$',
        r'^cap: 0x0000 device-parts$')
    has(section(out, 'cap get a 0'), r'^bytes: 2$', r'^data: 04 04$',
        r'^get-limit: 4$', r'^set-limit: 4$')
    has(err, r'^error: line 3: .*DEVICE_CAP_GET.*: ENXIO \(device status '
        r'ENXIO, qualifier INVALID_FIELD\)$',
        r"^hint: 'cap list a' lists the capabilities",
        r"^error: line 4: bad capability id 'x' \(0\.\.0xffff\): EINVAL$",
        r"^error: line 5: bad hex bytes 'zz' \(pairs of hex digits.*\): EINVAL$",
        r"^error: line 6: bad hex bytes '020' ",
        r"^error: line 7: bad hex bytes '0000",
        r'^error: line 8: .*DRIVER_CAP_SET.*: EINVAL \(device status EINVAL, '
        r'qualifier INVALID_FIELD\)$',
        r"^hint: 'cap get a 0' says the most the device allows$",
        r'^error: line 12: PF a: 1 GET and 0 SET device-parts objects live, '
        r'0 ids blocked: destroy them before changing the limits: EBUSY$',
        r'^error: line 13: d speaks seed-2023: cap list needs the virtio 1\.4 '
        r'dialect \(device parts\): EOPNOTSUPP$',
        r'^error: line 14: d speaks seed-2023: cap get needs ',
        r'^error: line 15: d speaks seed-2023: cap set needs ')
    has(section(out, 'cap set a 0 02:01'), r'^set: 02 01$',
        r'^parts-get-limit: 2$', r'^parts-set-limit: 1$')
    s = section(out, 'show pf')
    has(s[s.index('pf: a\n'):s.index('pf: b\n')], r'^parts-get-limit: 2$',
        r'^parts-set-limit: 1$')
    # the object got an id of the new space 0..2
    has(section(out, 'parts obj create a 1 get'), r'^obj: [0-2]$')
    has(section(out, 'help cap set'), r'^cap set <pf> <id> <hex-bytes>$')


def case_parts_obj():
    """parts obj create at the next or a named id, destroy; an id in use
    is EEXIST, ids out of range and malformed ones EINVAL, ENOSPC when the
    kind is used up; show pf lists the objects."""
    out, err = run('parts obj create a 1 get\nparts obj create a 1 set id=6\n'
                   'parts obj create a 2 get id=6\nparts obj create a 2 get id=8\n'
                   'parts obj create a 2 get id=x\nparts obj create a 2 both\n'
                   'show pf\n'
                   'parts obj create a 2 get\nparts obj create a 2 get\n'
                   'parts obj create a 2 get\nparts obj create a 2 get\n'
                   'parts obj destroy a 2 6\nparts obj destroy a 1 7\n'
                   'parts obj destroy a 1 6\nparts obj destroy a 1 0\n'
                   'parts obj create d 1 get\nshow pf\n', args=V14, rc=1)
    has(section(out, 'parts obj create a 1 get'), r'^obj: 0$', r'^vf: 1$',
        r'^kind: get$')
    has(section(out, 'parts obj create a 1 set id=6'), r'^obj: 6$',
        r'^kind: set$')
    has(err, r'^error: line 3: object id 6 is in use: a SET object of VF 1: '
        r'EEXIST$',
        r'^error: line 4: object id 8 out of range: PF a has ids 0\.\.7 '
        r'\(get limit 4 \+ set limit 4\): EINVAL$',
        r"^error: line 5: bad object id 'x' \(0\.\.511\): EINVAL$",
        r"^error: line 6: bad object kind 'both' \(get or set\): EINVAL$",
        r'^error: line 11: PF a: no device-parts GET object left: 4 of 4 in '
        r'use: ENOSPC$',
        r"^hint: every object of that kind is in use: 'show pf' lists them",
        r'^error: line 12: object 6 of a belongs to vf 1, not vf 2: EPERM$',
        r"^error: line 13: no object 7 on a \('show pf' lists the objects",
        r'^error: line 16: d speaks seed-2023: parts obj create needs the '
        r'virtio 1\.4 dialect')
    s = section(out, 'show pf')
    has(s, r'^parts-get-in-use: 1$', r'^parts-set-in-use: 1$',
        r'^parts-objects: 2$', r'^parts-object: 0 vf 1 get$',
        r'^parts-object: 6 vf 1 set$')
    has(section(out, 'parts obj destroy a 1 6'), r'^destroyed: 6$')
    s = out.split('vpf> show pf\n')[2]
    has(s, r'^parts-get-in-use: 3$', r'^parts-set-in-use: 0$')
    hasnt(s, r'^parts-object: [06] ')


def parts_file(path):
    with open(path, 'rb') as fp:
        return fp.read()


def case_parts_meta_get_set_dump():
    """parts meta size|count|list, parts get (atomic, a snapshot note on a
    running VF), parts set (stopped VF; a file that is not a parts set is
    refused before anything is sent), parts dump of parts and of Linux
    records; objects named with obj= or made around the command."""
    p = f('p.bin')
    bad = f('bad.bin')
    out, err = run('parts meta a 1 size\nparts meta a 1 count\n'
                   'parts meta a 1 list\nparts meta a 1 sizes\n'
                   'parts obj create a 1 get id=0\nparts obj create a 1 set id=1\n'
                   'parts meta a 1 count obj=0\nparts meta a 1 size obj=1\n'
                   'parts meta a 2 size obj=0\nparts meta a 1 size obj=5\n'
                   'parts get a 1 %s\nparts get a 1 %s\n'
                   'mode set a 1 stop\nparts get a 1 %s obj=0\n'
                   'parts dump %s\nshow pf\n'
                   % (p, TMP, p, p), args=V14, rc=1)
    size = int(value(section(out, 'parts meta a 1 size'), 'size'))
    count = int(value(section(out, 'parts meta a 1 count'), 'count'))
    has(section(out, 'parts meta a 1 size'), r'^obj-created: yes \(destroyed after\)$')
    s = section(out, 'parts meta a 1 list')
    if len(re.findall(r'^part: \d+ ', s, re.M)) != count:
        raise Fail('list does not have %d parts:\n%s' % (count, s))
    has(s, r'^part: 0 DEV_FEATURES 0x0100 flags 0x01 ',
        r'^part: \d+ VQ_CFG 0x0104 flags 0x00 selector 0x0+1 length 32$')
    has(section(out, 'parts meta a 1 count obj=0'), r'^obj: 0$',
        r'^obj-created: no$', r'^count: %d$' % count)
    has(err, r"^error: line 4: bad metadata 'sizes' \(size, count or list\): EINVAL$",
        r'^error: line 8: object 1 is a set object; this needs a get object: EINVAL$',
        r'^error: line 9: object 0 of a belongs to vf 1, not vf 2: EPERM$',
        r'^error: line 10: no object 5 on a ',
        r"^error: line 12: cannot write '%s': .*EISDIR$" % re.escape(TMP))
    s = section(out, 'parts get a 1 %s' % p)
    has(s, r'^read: %d$' % size, r'^parts: %d$' % count, r'^file: ',
        r'^note: a vf 1 is running: these parts are a snapshot')
    s = section(out, 'parts get a 1 %s obj=0' % p)
    has(s, r'^obj: 0$', r'^obj-created: no$')
    hasnt(s, r'^note:')
    data = parts_file(p)
    if len(data) != int(value(s, 'read')):
        raise Fail('file has %d bytes:\n%s' % (len(data), s))
    s = section(out, 'parts dump %s' % p)
    has(s, r'^format: parts$', r'^bytes: %d$' % len(data),
        r'^part 0 offset=0 type=DEV_FEATURES\(0x0100\) optional ',
        r'^end: ')
    # parts get/set without obj= leave nothing behind
    has(section(out, 'show pf'), r'^parts-objects: 2$')

    # set: the file is checked first; the device wants a stopped VF
    with open(bad, 'wb') as fp:
        fp.write(data[:40] + data[48:])
    lin = f('linux.bin')
    with open(lin, 'wb') as fp:
        fp.write(struct.pack('<QII', len(data), 0, 0) + data)
    out, err = run('stats b\nparts set b 1 %s\nstats b\n'
                   'parts set b 1 %s\nparts set b 1 %s\nparts set b 1 %s\n'
                   'mode set b 1 stop\nparts set b 1 %s\nparts set b 1 %s\n'
                   'parts dump %s\nparts dump %s\nparts dump %s\n'
                   'parts set d 1 %s\nparts get d 1 %s\nparts dump %s\n'
                   % (bad, p, f('none.bin'), TMP, p, p, bad, lin,
                      f('none.bin'), p, f('d.bin'), TMP), args=V14, rc=1)
    before, after = re.findall(r'^cmds: (\d+)$', out, re.M)[:2]
    has(err, r"^error: line 2: '%s' is not a parts set: \w+ at byte offset "
        r"\d+: .*; nothing sent: EBADMSG$" % re.escape(bad),
        r"^hint: 'parts dump %s' decodes it" % re.escape(bad),
        r'^error: line 4: .*DEV_PARTS_SET.*\(device status EINVAL, qualifier '
        r'INVALID_COMMAND\)$',
        r"^hint: DEV_PARTS_SET needs a stopped VF: 'mode set b 1 stop' first$",
        r"^error: line 5: cannot read '%s': ENOENT$" % re.escape(f('none.bin')),
        r"^error: line 6: cannot read '%s': EISDIR$" % re.escape(TMP),
        r'^error: line 10: malformed parts set at byte offset \d+ \(\w+\): ',
        r"^error: line 12: cannot read '%s': ENOENT$" % re.escape(f('none.bin')),
        r'^error: line 13: d speaks seed-2023: parts set needs the virtio 1\.4',
        r'^error: line 14: d speaks seed-2023: parts get needs ',
        r"^error: line 15: cannot read '%s': EISDIR$" % re.escape(TMP))
    if before != after:
        raise Fail('a malformed file reached the device:\n%s' % out)
    if os.path.exists(f('d.bin')):
        raise Fail('a refused parts get left a file')
    has(out.split('vpf> parts set b 1 %s\n' % p)[2], r'^written: %d$' % len(data),
        r'^obj-created: yes \(destroyed after\)$',
        r"^note: the parts take effect when b vf 1 resumes")
    has(section(out, 'parts dump %s' % bad), r'^format: parts$', r'^part 0 ')
    has(section(out, 'parts dump %s' % lin), r'^format: linux-records$')


def case_parts_migrate_by_hand():
    """A VF moves between two 1.4 PFs with the manual commands: stop the
    source, parts get, parts set on the stopped destination, its ring
    positions moved with the guest's memory, resume: equal digests, the
    guest goes on at the destination, the source is left stopped."""
    p = f('mig.bin')
    out, err = run('model guest a 1 500\nmodel compare a 1 b 1\n'
                   'mode set a 1 stop\nparts get a 1 %s\n'
                   'model ring-move a 1 b 1\n'
                   'mode set b 1 stop\nparts set b 1 %s\n'
                   'model ring-move a 1 b 1\nmode set b 1 active\n'
                   'model compare a 1 b 1\nmodel guest b 1 300\n'
                   'model digest b 1\nshow vf a 1\nshow vf b 1\nshow pf\n'
                   'model ring-move a 1 d 1\n'
                   % (p, p), args=V14, rc=1)
    has(section(out, 'model compare a 1 b 1'), r'^digest: different$')
    has(err, r'^error: line 2: a vf 1 and b vf 1 differ: EIO$',
        r'^error: line 5: ring state into b vf 1: .*: EBUSY$',
        r"^hint: the destination must be stopped: 'mode set b 1 stop'$",
        r'^error: line 16: ring state into d vf 1: .*: EOPNOTSUPP$')
    s = out.split('vpf> model ring-move a 1 b 1\n')[2]
    has(s, r'^queues: 5$', r'^vq: 0 avail \d+ used \d+ size 256$')
    s = out.split('vpf> model compare a 1 b 1\n')[2]
    has(s, r'^src-digest: %s$' % HEX64, r'^digest: equal$')
    has(section(out, 'model guest b 1 300'), r'^ops: 300$')
    has(section(out, 'show vf a 1'), r'^mode: stop$', r'^migrated-to: b vf 1$')
    has(section(out, 'show vf b 1'), r'^mode: active$', r'^migrated-from: a vf 1$')
    has(section(out, 'show pf'), r'^parts-objects: 0$')
    # the source stays stopped: its guest runs at the destination
    has(out, r'^exit: a vf 1: stop \(migrated to b vf 1; left as is\)$')
    hasnt(out, r'^exit: b vf 1')


def case_parts_mode_after_migrate():
    """On a 1.4 PF the driver's record of a VF's mode includes what the
    migration layer sent: a source `migrate` stopped reads stop (mode get,
    show vf), and the exit leaves it so."""
    out, err = run('model guest a 1 100\nmigrate a 1 b 1\nmode get a 1\n'
                   'mode get b 1\nshow vf a 1\n', args=V14, rc=None)
    if re.search(r'^error: line 2: .*EOPNOTSUPP', err, re.M):
        return SKIP     # the migration layer does not take 1.4 PFs
    has(section(out, 'migrate a 1 b 1'), r'^digest: equal$')
    has(section(out, 'mode get a 1'), r'^mode: stop$', r'^model-mode: stop$')
    has(section(out, 'mode get b 1'), r'^mode: active$')
    has(section(out, 'show vf a 1'), r'^mode: stop$', r'^migrated-to: b vf 1$')
    has(out, r'^exit: a vf 1: stop \(migrated to b vf 1; left as is\)$')


def case_parts_set_too_large():
    """A parts set larger than one DEV_PARTS_SET can carry (the PF's
    largest command, 64 KiB) is refused before anything is sent."""
    big = f('big.bin')
    with open(big, 'wb') as fp:
        # one NET_CVQ_CFG part (any length) of 70000 bytes: a valid set
        fp.write(struct.pack('<HBBQI', 0x0200, 0, 0, 0, 70000) + bytes(70000))
    out, err = run('mode set b 1 stop\nstats b\nparts set b 1 %s\nstats b\n'
                   'parts dump %s\n' % (big, big), args=V14, rc=1)
    has(err, r"^error: line 3: '%s' has 70016 bytes of parts; b takes at most "
        r"65528 in one DEV_PARTS_SET: EFBIG$" % re.escape(big))
    before, after = re.findall(r'^cmds: (\d+)$', out, re.M)[:2]
    if before != after:
        raise Fail('the set reached the device:\n%s' % out)
    has(section(out, 'parts dump %s' % big), r'^format: parts$',
        r'^end: 1 parts, well formed$')


def case_parts_behind_mig():
    """A VF the migration layer holds (here in STOP_COPY) refuses the
    manual parts commands, as it refuses mode set and ctx read."""
    out, err = run('mig state src 1 STOP_COPY\nparts get src 1 %s\n'
                   'parts set src 1 %s\nparts obj create src 1 get\n'
                   'mig abort src 1\n' % (f('p.bin'), f('p.bin')),
                   args=['--dialect', '1.4'], rc=1)
    for line, what in ((2, 'parts get'), (3, 'parts set'),
                       (4, 'parts obj')):
        has(err, r"^error: line %d: src vf 1 is in STOP_COPY under mig: "
            r"%s would act behind mig; 'mig abort src 1' first: EBUSY$"
            % (line, what))
