# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
# vpf-cli script cases (mig); run inside cli_test.py's namespace.
#
# mig state|save|load|complete|abort, migrate over VF lists, two vpf-cli
# processes streaming a migration through a FIFO, Ctrl-C during each.

DIGEST = r'[0-9a-f]{64}'


def digests(text):
    return re.findall(r'^digest: (%s)$' % DIGEST, text, re.M)


def popen_script(name, script, args=()):
    """vpf-cli running @script (written to TMP/@name) in the background."""
    path = f(name)
    with open(path, 'w') as fp:
        fp.write(d14(script))
    return subprocess.Popen(argv0() + ['-f', path] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(p, rc=0, timeout=60, what='vpf-cli'):
    """Wait for @p (killed after @timeout); check its exit status."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate(timeout=20)
        raise Fail('%s did not finish in %d s\n%s\n%s' % (what, timeout, out, err))
    check_sanitizers(err)
    if rc is not None and p.returncode != rc:
        raise Fail('%s: exit status %d, expected %d\n--- stdout\n%s--- stderr\n%s'
                   % (what, p.returncode, rc, out, err))
    return out, err


def case_mig_state():
    """mig state prints the VFIO state and walks the arcs; while the layer
    holds a VF outside RUNNING, the manual commands are refused with the
    way back; a VF moved by hand is refused by mig with the way back."""
    out, err = run('mig state src 1\nmig state src 1 stop_copy\nmig state src 1\n'
                   'mode set src 1 active\nctx read src 1 %s\nwr start src 1 4K 0:16\n'
                   'ctx discard src 1\nmig abort src 1\nmode get src 1\n'
                   'mig state src 2 resuming\nmig state src 2 RUNNING\n'
                   'mig state src 3 error\nmig state src 3 bogus\n'
                   'mode set src 4 freeze\nmig state src 4 stop\nmig state src 4\n'
                   'mig abort src 4\nmode get src 4\nmig state src 4 pre_copy_p2p\n'
                   'help mig state\n' % f('c.bin'), rc=1)
    s = section(out, 'mig state src 1')
    has(s, r'^state: RUNNING$', r'^mode: active$', r'^complete: no$')
    s = section(out, 'mig state src 1 stop_copy')
    has(s, r'^from: RUNNING$', r'^path: RUNNING_P2P STOP STOP_COPY$',
        r'^state: STOP_COPY$', r'^mode: freeze$')
    has(err, r"^error: line 4: src vf 1 is in STOP_COPY under mig: mode set would "
        r"act behind mig; 'mig abort src 1' first: EBUSY$",
        r"^error: line 5: src vf 1 is in STOP_COPY under mig: ctx read would act "
        r"behind mig; 'mig abort src 1' first: EBUSY$",
        r"^error: line 6: src vf 1 is in STOP_COPY under mig: wr start .*: EBUSY$",
        r"^error: line 7: src vf 1 is in STOP_COPY under mig: ctx discard .*: EBUSY$",
        r"^error: line 12: .*ERROR.*: EPERM$",
        r"^error: line 13: bad state 'bogus' \(RUNNING, STOP, STOP_COPY, RESUMING, "
        r"RUNNING_P2P, PRE_COPY, PRE_COPY_P2P\): EINVAL$",
        r"^error: line 15: src vf 4 is in freeze, not active \(moved by hand, outside "
        r"mig: 'mode set src 4 active' or 'mig abort src 4' first\): EBUSY$")
    has(section(out, 'mig abort src 1'), r'^aborted: STOP_COPY$', r'^state: RUNNING$')
    has(section(out, 'mode get src 1'), r'^mode: active$')
    has(section(out, 'mig state src 2 resuming'), r'^state: RESUMING$')
    # RESUMING -> RUNNING without a stream: refused with nothing applied,
    # the VF left in STOP (the library's rule), mig abort takes it back
    has(section(out, 'mig state src 2 RUNNING'), r'^path: STOP RUNNING_P2P RUNNING$',
        r'^state: STOP$')
    has(err, r'^error: line 11: VF 2: RESUMING -> STOP: load stream incomplete: '
        r'migration stream is empty: ENODATA$',
        r"^hint: 'mig abort src 2' takes src vf 2 back to running with its state "
        r"unchanged$")
    # the layer's state of a VF moved by hand is still RUNNING; 'mig abort'
    # takes it back too (discard, active)
    has(section(out, 'mig state src 4'), r'^state: RUNNING$',
        r'^note: the device has src vf 4 in freeze: it was moved outside mig ')
    has(section(out, 'mig abort src 4'), r'^aborted: recovered', r'^state: RUNNING$')
    has(section(out, 'mode get src 4'), r'^mode: active$')
    has(section(out, 'mig state src 4 pre_copy_p2p'), r'^state: PRE_COPY_P2P$',
        r'^mode: stop$')
    has(section(out, 'help mig state'), r'^mig state <pf> <vf> \[<vfio-state>\]$')
    hasnt(err, r'^error: line (1|2|3|8|9|10|14|16|17|18|19|20):')
    # what the layer held is put back at exit
    has(out, r'^exit: src vf 4: stop -> active \(restored\)$',
        r'^exit: src vf 2: freeze -> active \(restored\)$')


def case_mig_errors():
    """Bad inputs of the mig commands are refused before anything moves."""
    os.mkdir(f('dir.d'))
    out, err = run('mig save src 1 %s format=linux\n'
                   'mig save src 1 %s format=tar\n'
                   'mig save src 1 %s precopy=1001\n'
                   'mig save src 1 %s wait=0\n'
                   'mig load dst 1 %s\n'
                   'mig load dst 1 %s\n'
                   'mig load dst 1 /dev/null\n'
                   'mig save src 1 %s\n'
                   'mig complete src 1\n'
                   'mig save src 9 %s\n'
                   'mig state src 1\nmode get src 1\n'
                   % (f('s.bin'), f('s.bin'), f('s.bin'), f('s.bin'),
                      f('missing.bin'), f('dir.d'), f('dir.d'), f('s.bin')), rc=1)
    has(err, r"^error: line 1: format=linux needs the virtio 1.4 dialect \(device "
        r"parts\); src speaks seed-2023, .*: EOPNOTSUPP$",
        r"^error: line 2: bad format 'tar' \(vpf or linux\): EINVAL$",
        r"^error: line 3: bad precopy '1001' \(rounds, 0..1000\): EINVAL$",
        r"^error: line 4: bad wait '0' \(seconds, 1..3600\): EINVAL$",
        r"^error: line 5: cannot read '.*missing.bin': ENOENT$",
        r"^error: line 6: cannot read '.*dir.d': a directory: EISDIR$",
        r"^error: line 7: cannot read '/dev/null': a character device node, not a "
        r"regular file or a FIFO: EINVAL$",
        r"^error: line 8: cannot write '.*dir.d': a directory, not a regular file: "
        r"EISDIR$",
        r"^error: line 9: src vf 1 is in RUNNING: a completed migration leaves its "
        r"source in STOP .*: EPERM$",
        r"^error: line 10: unknown VF 9 on src .*: ENOENT$")
    # nothing moved, nothing written
    has(section(out, 'mig state src 1'), r'^state: RUNNING$')
    has(section(out, 'mode get src 1'), r'^mode: active$')
    assert not os.path.exists(f('s.bin')), os.listdir(TMP)
    assert sorted(os.listdir(TMP)) == ['dir.d', 'script.cmd'], os.listdir(TMP)
    hasnt(out, r'^exit:')


@both
def case_mig_adopt():
    """mig adopt resumes a destination with what it loaded and nothing
    else: a running VF is left as it is, a VF without a complete load is
    refused with the way back (the unknown-activation case it exists for
    is tested in test/mig, test_adopt_unknown_activation)."""
    out, err = run('mig adopt dst 2\nmig state dst 3 stop\nmig adopt dst 3\n'
                   'mig state dst 3\nmig abort dst 3\nhelp mig adopt\n', rc=1)
    has(section(out, 'mig adopt dst 2'), r'^adopted: nothing to adopt \(running\)$',
        r'^state: RUNNING$', r'^mode: active$')
    has(err, r'^error: line 3: VF 3 \(STOP\): no complete load to adopt; '
        r'vpf_mig_recover\(\) resumes it with its own state: EPERM$')
    has(section(out, 'mig state dst 3'), r'^state: STOP$')
    has(section(out, 'mig abort dst 3'), r'^state: RUNNING$')
    has(section(out, 'help mig adopt'), r'^mig adopt <pf> <vf>$')
    hasnt(err, r'^error: line (1|2|4|5|6):')


@both
def case_mig_save_load_file():
    """mig save to a regular file in one vpf-cli, mig load from it in
    another: the destination's digest is the source's; the source stays in
    STOP, and after mig complete it is never resumed."""
    c = f('stream.bin')
    out, err = run('model guest src 2 400\n'
                   'mig save src 2 %s precopy=2\nmig state src 2\nshow vf src 2\n'
                   'mig complete src 2\nmig abort src 2\nmig state src 2 running\n'
                   % c, rc=1)
    s = section(out, 'mig save src 2 %s precopy=2' % c)
    has(s, r"^mig save: src vf 2 -> '%s' \(file, precopy 2\)$" % re.escape(c),
        r'^progress: precopy round 1: bytes=\d+ elapsed-s=[\d.]+$',
        r'^progress: precopy round 2: bytes=\d+ ', r'^progress: stop-copy: bytes=\d+ ',
        r'^status: ok$', r'^saved: \d+$', r'^precopy-rounds: 2$', r'^state: STOP$',
        r'^elapsed-s: [\d.]+$', r'^digest: %s$' % DIGEST)
    # a bounded number of progress lines: one per round and stop-copy
    assert len(re.findall(r'^progress:', s, re.M)) == 3, s
    saved = int(value(s, 'saved'))
    assert os.path.getsize(c) == saved, (os.path.getsize(c), saved)
    with open(c, 'rb') as fp:
        assert fp.read(8) == b'VPFMIG\r\n'
    src_digest = digests(s)[0]
    has(section(out, 'mig state src 2'), r'^state: STOP$', r'^complete: no$')
    has(section(out, 'show vf src 2'), r'^mode: freeze$')
    has(section(out, 'mig complete src 2'), r'^complete: yes$')
    has(err, r"^error: line 6: src vf 2 migrated away .*force=yes.*: EBUSY$",
        r"^error: line 7: src vf 2 migrated away .*'mig abort src 2 force=yes'.*: EBUSY$")
    has(out, r'^exit: src vf 2: freeze \(migrated to .*; left as is\)$')
    hasnt(out, r'^exit: src vf 2: freeze -> active')

    # another process: the same device model (same seed), VF 3 of dst
    out, err = run('model digest dst 3\nmig load dst 3 %s\nmig state dst 3\n'
                   'show vf dst 3\nmig load dst 3 %s\n' % (c, c), rc=1)
    before = digests(section(out, 'model digest dst 3'))[0]
    s = section(out, 'mig load dst 3 %s' % c)
    has(s, r"^mig load: '%s' -> dst vf 3 \(file\)$" % re.escape(c), r'^status: ok$',
        r'^loaded: %d$' % saved, r'^state: RUNNING$', r'^elapsed-s: [\d.]+$')
    dst_digest = digests(s)[0]
    if dst_digest != src_digest or dst_digest == before:
        raise Fail('digests: source %s, destination %s (before %s)'
                   % (src_digest, dst_digest, before))
    has(section(out, 'mig state dst 3'), r'^state: RUNNING$')
    has(section(out, 'show vf dst 3'), r'^mode: active$', r'^migrated-from: ')
    # the destination runs the guest now: a second load needs force=yes
    has(err, r'^error: line 5: destination dst vf 3 is the target of a completed '
        r'migration .*force=yes to overwrite it: EBUSY$')
    hasnt(out, r'^exit:')


@both
def case_mig_load_bad_stream():
    """A truncated, corrupt or incompatible stream leaves the destination
    running with nothing applied (digest unchanged), from a file and
    from a FIFO whose writer goes away mid-stream."""
    c = f('stream.bin')
    run('model guest src 1 300\nmig save src 1 %s precopy=1\n' % c)
    data = open(c, 'rb').read()
    with open(f('trunc.bin'), 'wb') as fp:
        fp.write(data[:len(data) - 40])
    bad = bytearray(data)
    bad[len(data) - 100] ^= 0xff
    with open(f('corrupt.bin'), 'wb') as fp:
        fp.write(bad)
    with open(f('junk.bin'), 'wb') as fp:
        fp.write(b'not a stream at all' * 10)
    out, err = run('model digest dst 1\n'
                   'mig load dst 1 %s\nmig load dst 1 %s\nmig load dst 1 %s\n'
                   'pf attach model small vqs=1\nmig load small 1 %s\n'
                   'mig state dst 1\nmode get dst 1\nmodel digest dst 1\n'
                   % (f('trunc.bin'), f('corrupt.bin'), f('junk.bin'), c), rc=1)
    d = digests(out)
    assert len(d) == 2 and d[0] == d[1], out
    for line, e in ((2, 'ENODATA'), (3, 'EBADMSG'), (4, 'EBADMSG'), (6, r'E\w+')):
        has(err, r'^error: line %d: mig load (dst|small) vf 1 failed in .*; destination '
            r'running \(active\), nothing applied \(digest unchanged\): %s$' % (line, e))
    for cmd in ('mig load dst 1 %s' % f('trunc.bin'), 'mig load small 1 %s' % c):
        has(section(out, cmd), r'^status: failed$', r'^received: \d+$')
    has(section(out, 'mig state dst 1'), r'^state: RUNNING$')
    has(section(out, 'mode get dst 1'), r'^mode: active$')
    hasnt(out, r'^exit:')

    # a FIFO whose writer dies after half the stream
    fifo = f('fifo')
    os.mkfifo(fifo)
    p = popen_script('load.cmd', 'model digest dst 2\nmig load dst 2 %s wait=20\n'
                     'mig state dst 2\nmodel digest dst 2\n' % fifo)
    fd = os.open(fifo, os.O_WRONLY)     # waits for the loader's open
    os.write(fd, data[:len(data) // 2])
    time.sleep(0.3)
    os.close(fd)
    out, err = finish(p, rc=1)
    d = digests(out)
    assert len(d) == 2 and d[0] == d[1], out
    has(err, r'^error: line 2: mig load dst vf 2 failed in .*: load stream incomplete'
        r'.*destination running \(active\), nothing applied \(digest unchanged\): ENODATA$')
    has(section(out, 'mig state dst 2'), r'^state: RUNNING$')


@both
def case_mig_fifo():
    """Two vpf-cli processes stream a migration through a FIFO while it is
    produced (the saver with 3 precopy rounds): equal digests; the saver
    waits for its reader, the loader for its writer, in either order."""
    fifo = f('fifo')
    os.mkfifo(fifo)
    for saver_first in (True, False):
        save = ('model guest src 1 700\nmig save src 1 %s precopy=3\n'
                'mig complete src 1\n' % fifo)
        load = 'mig load dst 2 %s\nmig state dst 2\nmodel guest dst 2 10\n' % fifo
        if saver_first:
            a = popen_script('save.cmd', save)
            time.sleep(0.5)
            b = popen_script('load.cmd', load)
        else:
            b = popen_script('load.cmd', load)
            time.sleep(0.5)
            a = popen_script('save.cmd', save)
        out_a, err_a = finish(a, what='saver')
        out_b, err_b = finish(b, what='loader')
        s = section(out_a, 'mig save src 1 %s precopy=3' % fifo)
        has(s, r"^mig save: src vf 1 -> '%s' \(fifo, precopy 3\)$" % re.escape(fifo),
            r'^progress: precopy round 3: ', r'^progress: stop-copy: ',
            r'^status: ok$', r'^precopy-rounds: 3$', r'^state: STOP$')
        if saver_first:
            has(s, r"^waiting: for a reader of '%s' \(at most 60 s\)$" % re.escape(fifo))
        l = section(out_b, 'mig load dst 2 %s' % fifo)
        has(l, r'^status: ok$', r'^state: RUNNING$',
            r"^waiting: for a writer of '%s'" % re.escape(fifo))
        if value(s, 'saved') != value(l, 'loaded'):
            raise Fail('saved %s, loaded %s' % (value(s, 'saved'), value(l, 'loaded')))
        ds, dl = digests(s), digests(l)
        if len(ds) != 1 or ds != dl:
            raise Fail('digests differ: saver %s, loader %s' % (ds, dl))
        has(section(out_b, 'mig state dst 2'), r'^state: RUNNING$')
        has(out_a, r'^exit: src vf 1: freeze \(migrated to .*; left as is\)$')
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@both
def case_mig_save_unconfirmed_exit():
    """A source whose whole stream went out but that was neither completed
    nor aborted is left as is at exit (its destination may run the guest);
    one the layer only moved (no stream out) is restored."""
    out, err = run('mig save src 1 %s\nmig state src 2 stop_copy\nmig state src 3 '
                   'resuming\n' % f('s.bin'))
    has(out, r'^exit: src vf 1: freeze \(migrated to a stream \(mig save, '
        r'unconfirmed\); left as is\)$',
        r'^exit: src vf 2: freeze -> active \(restored\)$',
        r'^exit: src vf 3: freeze -> active \(restored\)$')


@both
def case_migrate_multi():
    """migrate over ranges and lists: all pairs together, per-pair results,
    a summary with downtime, equal digests."""
    if not migrate_available():
        return SKIP
    out, err = run('pf attach model pf0 vfs=8\npf attach model pf1 vfs=8\n'
                   'model guest pf0 1 100\nmodel guest pf0 3 300\n'
                   'migrate pf0 1-4 pf1 5-8 precopy=2 guest=20\n'
                   'model compare pf0 2 pf1 6\n'
                   'migrate pf0 5,7 pf1 1,3\n'
                   'migrate pf0 6 pf1 2\n'
                   'migrate src 1-3,4 dst 4,1-3\n')
    s = section(out, 'migrate pf0 1-4 pf1 5-8 precopy=2 guest=20')
    has(s, r'^migrate: pf0 vf 1-4 -> pf1 vf 5-8 \(4 pairs, precopy 2, dirty off\)$',
        r'^progress: precopy round 2: ', r'^progress: stop-copy: ',
        r'^pair: pf0 vf 1 -> pf1 vf 5: ok downtime-us=[\d.]+ bytes=\d+$',
        r'^pair: pf0 vf 4 -> pf1 vf 8: ok ', r'^status: ok$', r'^pairs: 4$',
        r'^ok: 4$', r'^failed: 0$', r'^downtime-us: [\d.]+$',
        r'^downtime-max-us: [\d.]+$', r'^elapsed-s: [\d.]+$',
        r'^pair-digest: pf0 vf 3 -> pf1 vf 7: equal %s$' % DIGEST, r'^digest: equal$')
    # bounded progress: one line per phase and round, not per pair or chunk
    assert len(re.findall(r'^progress:', s, re.M)) == 6, s
    assert len(re.findall(r'^pair-digest: .*: equal ', s, re.M)) == 4, s
    has(section(out, 'model compare pf0 2 pf1 6'), r'^digest: equal$')
    has(section(out, 'migrate pf0 5,7 pf1 1,3'), r'^pair: pf0 vf 7 -> pf1 vf 3: ok ',
        r'^pairs: 2$', r'^digest: equal$')
    # one VF: the output it always had
    s = section(out, 'migrate pf0 6 pf1 2')
    has(s, r'^migrate: pf0 vf 6 -> pf1 vf 2 \(precopy 0, dirty off\)$',
        r'^status: ok$', r'^src-digest: ', r'^digest: equal$')
    hasnt(s, r'^pair:', r'^pairs:')
    s = section(out, 'migrate src 1-3,4 dst 4,1-3')
    has(s, r'^pair: src vf 4 -> dst vf 3: ok ', r'^pair: src vf 1 -> dst vf 4: ok ',
        r'^digest: equal$')
    for vf in (1, 2, 3, 4):
        has(out, r'^exit: pf0 vf %d: freeze \(migrated to pf1 vf %d; left as is\)$'
            % (vf, vf + 4))


@both
def case_migrate_list_errors():
    """Bad VF lists are refused with a sentence, nothing migrated."""
    if not migrate_available():
        return SKIP
    out, err = run('migrate src 1-3 dst 1,3\nmigrate src 1- dst 1\n'
                   'migrate src 3-1 dst 1-3\nmigrate src 1,1 dst 1-2\n'
                   'migrate src 0-2 dst 1-3\nmigrate src 1-5 dst 1-5\n'
                   'migrate src 1-2 src 2-3\nmigrate src 1-2 dst 1;2\n'
                   'migrate src 1,2 dst 3-4 precopy=x\n'
                   'mode set dst 4 freeze\nmigrate src 1-4 dst 1-4\n'
                   'mig state src 1\nmig state dst 1\n', rc=1)
    has(err, r'^error: line 1: 3 source VFs \(1-3\) but 2 destination VFs \(1,3\): '
        r'both lists need the same count: EINVAL$',
        r"^error: line 2: source src: bad VF list '1-' .*: EINVAL$",
        r"^error: line 3: source src: bad VF range 3-1 in '3-1' \(first <= last\): EINVAL$",
        r"^error: line 4: source src: VF 1 given twice in '1,1': EINVAL$",
        r"^error: line 5: source src: VF 0 in '0-2' is out of range \(VFs 1..4\): EINVAL$",
        r"^error: line 6: source src: VF 5 in '1-5' is out of range \(VFs 1..4\): EINVAL$",
        r'^error: line 7: src vf 2 is both a source and a destination: EINVAL$',
        r"^error: line 8: destination dst: bad VF list '1;2' at ';2' .*: EINVAL$",
        r"^error: line 9: bad precopy 'x' .*: EINVAL$",
        r"^error: line 11: destination dst vf 4 is in freeze, not active .*: EBUSY$")
    hasnt(out, r'^migrate: ', r'^status:')
    has(section(out, 'mig state src 1'), r'^state: RUNNING$')
    has(section(out, 'mig state dst 1'), r'^state: RUNNING$')


@both
def case_cancel_mig_save_fifo():
    """Ctrl-C (SIGINT) during a mig save to a FIFO: while nobody reads it
    (the source untouched), and mid-stream with a reader that takes
    nothing (the source aborted back to running); exit 130 either way."""
    fifo = f('fifo')
    os.mkfifo(fifo)
    p = script_proc('mig save src 1 %s precopy=3\nmode get src 1\n' % fifo)
    seen = wait_line(p, r'^waiting: for a reader')
    time.sleep(0.3)
    out, err = interrupt(p, seen, signal.SIGINT, 130)
    has(out, r'^status: cancelled$',
        r'^cancelled: mig save src vf 1 after [\d.]+ s \(waiting for a reader\); '
        r'source src vf 1 untouched \(running\)$')
    has(err, r'^error: line 1: mig save cancelled by SIGINT: ECANCELED$')
    hasnt(out, r'^vpf> mode get src 1$', r'^exit: ', r'^saved:')

    # a reader that never reads: the pipe fills during the precopy rounds
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        p = script_proc('mig save src 1 %s precopy=1000\n' % fifo)
        seen = wait_line(p, r'^progress: precopy round 3:')
        time.sleep(0.5)
        out, err = interrupt(p, seen, signal.SIGINT, 130)
    finally:
        os.close(rfd)
    has(out, r'^status: cancelled$',
        r'^cancelled: mig save src vf 1 after [\d.]+ s \(in precopy, \d+ precopy '
        r'rounds done\); source src vf 1 running \(active\); .* cut short')
    assert int(re.search(r'\(in precopy, (\d+) precopy', out).group(1)) < 1000, out
    has(err, r'^error: line 1: mig save cancelled by SIGINT: ECANCELED$')
    # aborted by the command itself: nothing left for the exit to restore
    hasnt(out, r'^exit: ')


@both
def case_cancel_mig_load():
    """Ctrl-C while mig load waits for its writer: the destination goes
    back to running with nothing applied; and at the prompt the session
    goes on."""
    fifo = f('fifo')
    os.mkfifo(fifo)
    p = script_proc('mig load dst 1 %s\nmode get dst 1\n' % fifo)
    seen = wait_line(p, r'^waiting: for a writer')
    time.sleep(0.3)
    out, err = interrupt(p, seen, signal.SIGINT, 130)
    has(out, r'^status: cancelled$',
        r'^cancelled: mig load dst vf 1 after [\d.]+ s \(in the stream\) at byte 0; '
        r'destination dst vf 1 running \(active\), nothing applied \(digest unchanged\)$')
    has(err, r'^error: line 1: mig load cancelled by SIGINT: ECANCELED$')
    hasnt(out, r'^exit: ')
    with pty_session() as t:
        t.write(b'mig load dst 2 %s\r' % fifo.encode())
        t.expect(b'waiting: for a writer')
        time.sleep(0.3)
        t.write(b'\x03')
        s = t.expect(b'vpf> ', timeout=30)
        if 'cancelled: mig load dst vf 2' not in s or 'nothing applied' not in s:
            raise Fail('no cancel report: %r' % s)
        t.write(b'mig state dst 2\r')
        s = t.expect(b'vpf> ')
        if 'state: RUNNING' not in s:
            raise Fail('destination not running: %r' % s)
        t.write(b'quit\r')
        check_sanitizers(t.rest(20))


@both
def case_cancel_migrate_multi():
    """SIGINT during a long migrate of several pairs: every source runs,
    every destination has nothing applied."""
    if not migrate_available():
        return SKIP
    p = script_proc('model fault src 0 delay 1000000\n'
                    'migrate src 1-3 dst 2-4 precopy=1000\n')
    seen = wait_line(p, r'^progress: precopy round 3:')
    out, err = interrupt(p, seen, signal.SIGINT, 130)
    has(out, r'^status: cancelled$', r'^pair: src vf 1 -> dst vf 2: cancelled ',
        r'^cancelled: migrate src vf 1-3 -> dst vf 2-4 after [\d.]+ s \(in precopy '
        r'round \d+\); sources running \(active\): 3 of 3, destinations discarded '
        r'\(active, nothing applied\): 3 of 3$')
    has(err, r'^error: line 2: migrate cancelled by SIGINT: ECANCELED$')
    hasnt(out, r'^exit: ')


@both
def case_mig_state_completion():
    """Tab completes the VFIO state names of mig state; '?' lists them."""
    with pty_session() as t:
        t.write(b'mig state src 1 RES\t')
        t.expect(b'RESUMING')
        t.write(b'\r')
        s = t.expect(b'state: ', b'vpf> ')
        if 'state: RESUMING' not in s:
            raise Fail('mig state src 1 RES<Tab> gave %r' % s)
        t.write(b'mig state src 2 ?')
        t.expect(b'PRE_COPY_P2P', b'STOP_COPY', b'RUNNING_P2P', ordered=False)
        t.write(b'\x03')
        t.expect(b'vpf> ')
        t.write(b'mig abort src 1\r')
        s = t.expect(b'state: RUNNING', b'vpf> ')
        t.write(b'quit\r')
        check_sanitizers(t.rest(20))
