# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
# vpf-cli script cases (journal); run inside cli_test.py's namespace.
#
# The journal of migrated VFs and `pf reattach` (a restarted owner on the
# same device): a VF left mid-migration is resumed, a source that migrated
# away is never resumed, a stale entry is dropped (doc/migration.md,
# "Crash safety"; doc/cli.md, pf reattach). Every case keeps its journal
# in a directory of its own (--journal).


def jdir(name):
    d = f('journal-' + name)
    os.makedirs(d, exist_ok=True)
    return d


def case_journal_reattach_before():
    """The owner dies mid-migration (VF 1 in freeze, VF 2 in stop, no
    migration completed): the next one resumes both with their state;
    resume=no only reports."""
    d = jdir('before')
    out, err = run('model guest src 1 200\nmodel digest src 1\n'
                   'mode set src 1 freeze\nmode set src 2 stop\n'
                   'pf reattach src\nmodel digest src 1\nshow vf src 1\n'
                   'mode set src 3 freeze\npf reattach src resume=no\n',
                   args=['--journal', d])
    s = section(out, 'pf reattach src')
    has(s, r'^reattached: src$',
        r'^journal: %s/[0-9a-f]{4}:00:00\.[0-7]-[0-9a-f]{16}\.vpfj$' % re.escape(d),
        r'^attach: src vf 1: freeze -> active \(left mid-migration; resumed\)$',
        r'^attach: src vf 2: stop -> active \(left mid-migration; resumed\)$')
    hasnt(s, r'^found-outside-active', r'^attach: src vf [34]')
    digests = re.findall(r'^digest: (\w+)$', out, re.M)
    if len(digests) != 2 or digests[0] != digests[1]:
        raise Fail('digest changed across the restart: %s' % digests)
    v = section(out, 'show vf src 1')
    has(v, r'^mode: active$', r'^migrated-away: no$')
    s = section(out, 'pf reattach src resume=no')
    has(s, r'^attach: src vf 3: freeze \(found outside active; left as is; '
        r'way back: mig abort src 3\)$',
        r'^found-outside-active: 1$')
    # Not resumed at exit either: this vpf-cli did not move it.
    has(out, r'^exit: src vf 3: freeze \(not moved by vpf-cli; left as is\)$')


def case_journal_reattach_after():
    """After a completed `migrate`, the source is in the journal: every
    restart leaves it stopped, `show vf` says so, exit leaves it too;
    forcing it back to active makes the entry stale, and the next restart
    drops it."""
    if not migrate_available():
        return SKIP
    d = jdir('after')
    out, err = run('pf attach model m1 vfs=2 bdf=0000:3b:00.1\n'
                   'pf attach model m2 vfs=2\n'
                   'model guest m1 1 300\nmigrate m1 1 m2 2\n'
                   'pf reattach m1\nshow vf m1 1\npf reattach m1\n'
                   'mode get m1 1\n',
                   args=['--journal', d])
    has(section(out, 'pf attach model m1 vfs=2 bdf=0000:3b:00.1'),
        r'^bdf: 0000:3b:00\.1$', r'^instance: [0-9a-f]{16}$')
    # The journal file was m1's while it lived (reattach names it); a model
    # dies with vpf-cli, and so does its journal: no file is left behind.
    has(out, r'^journal: %s/0000:3b:00\.1-[0-9a-f]{16}\.vpfj$' % re.escape(d))
    if os.listdir(d):
        raise Fail('journal files left after exit: %s' % os.listdir(d))
    for nth in (1, 2):
        s = out.split('vpf> pf reattach m1\n', nth)[nth].split('vpf> ', 1)[0]
        has(s, r'^reattached: m1$',
            r'^attach: m1 vf 1: freeze \(migrated away per journal; left stopped\)$')
        hasnt(s, r'resumed', r'^found-outside-active')
    has(section(out, 'show vf m1 1'), r'^mode: freeze$',
        r'^migrated-away: yes \(journal\)$')
    has(section(out, 'mode get m1 1'), r'^mode: freeze$')
    has(out, r'^exit: m1 vf 1: freeze \(migrated to its destination, per the '
        r'journal; left as is\)$')
    hasnt(out, r'^exit: m1 vf 1: freeze -> active')

    # A new model at the same address is another instance: nothing of
    # m1's journal applies to it; its VF 1 left in freeze is resumed.
    out, err = run('pf attach model m1 vfs=2 bdf=0000:3b:00.1\n'
                   'mode set m1 1 freeze\npf reattach m1\n',
                   args=['--journal', d])
    has(section(out, 'pf reattach m1'),
        r'^attach: m1 vf 1: freeze -> active \(left mid-migration; resumed\)$')


def case_journal_stale():
    """A journal entry for a VF found running is stale: the restart drops
    it. (The entry is put back behind vpf-cli's back: the journal file of
    the completed migration is copied, the source resumed with `mig abort
    force=yes`, which drops the entry, and the copy restored.)"""
    if not migrate_available():
        return SKIP
    d = jdir('stale')
    p = stdin_proc('migrate src 1 dst 1\nshow vf src 1\n',
                   args=['--journal', d])
    seen = wait_line(p, r'^migrated-away: ')
    names = [x for x in os.listdir(d) if x.endswith('.vpfj')]
    if len(names) != 1:
        p.kill()
        raise Fail('journal files: %s' % os.listdir(d))
    with open(os.path.join(d, names[0]), 'rb') as fp:
        saved = fp.read()
    p.stdin.write('mig abort src 1 force=yes\n')
    p.stdin.flush()
    seen += wait_line(p, r'^aborted: ')
    if os.path.exists(os.path.join(d, names[0])):
        p.kill()
        raise Fail('the entry of a resumed VF is still on disk')
    with open(os.path.join(d, names[0]), 'wb') as fp:
        fp.write(saved)
    out, err = p.communicate('pf reattach src\nshow vf src 1\n'
                             'pf reattach src\n', timeout=30)
    check_sanitizers(err)
    out = seen + out
    if p.returncode != 0:
        raise Fail('exit status %d\n%s\n%s' % (p.returncode, out, err))
    has(seen, r'^migrated-away: yes \(journal\)$')
    first = out.split('vpf> pf reattach src\n', 1)[1]
    has(first.split('vpf> ', 1)[0],
        r'^attach: src vf 1: active \(stale journal entry dropped\)$')
    has(first.split('vpf> show vf src 1\n', 1)[1], r'^mode: active$',
        r'^migrated-away: no$')
    second = out.split('vpf> pf reattach src\n', 2)[2]
    hasnt(second, r'^attach: src vf 1')
    # No VF of either model is in the journal now: no file is left.
    if [x for x in os.listdir(d) if x.endswith('.vpfj')]:
        raise Fail('journal not removed: %s' % os.listdir(d))


def case_journal_off():
    """--journal '' turns the journal off: a restart cannot tell, and
    resumes nothing; a bad --model bdf is refused."""
    out, err = run('mode set src 1 freeze\npf reattach src\n',
                   args=['--journal', ''])
    s = section(out, 'pf reattach src')
    has(s, r'^journal: off$',
        r'^attach: src vf 1: freeze \(found outside active; left as is; ',
        r'^found-outside-active: 1$')
    out, err = run('show pf\n', args=['--model', 'name=a,bdf=0000:00:20.0'],
                   rc=1)
    has(err, r"bad PCI address '0000:00:20\.0'")


def case_journal_1_4_reattach():
    """The same restarts on 1.4 PFs, whose devices cannot report a VF's
    mode: the restarted owner resumes every VF its journal does not hold
    as migrated away (a hand-stopped VF without a line: nothing recorded
    it), reports the ones the layer had stopped, and keeps a migrated-away
    source stopped, recorded as stopped."""
    d = jdir('v14')
    out, err = run('model guest src 1 200\nmodel digest src 1\n'
                   'mig state src 1 STOP\nmode set src 2 stop\n'
                   'pf reattach src\nmodel digest src 1\nshow vf src 1\n'
                   'mode get src 2\n'
                   'pf attach model m1 vfs=2\npf attach model m2 vfs=2\n'
                   'model guest m1 1 300\nmigrate m1 1 m2 2\n'
                   'pf reattach m1\nshow vf m1 1\nmode get m1 1\n',
                   args=['--dialect', '1.4', '--journal', d])
    s = section(out, 'pf reattach src')
    has(s, r'^attach: src vf 1: stop -> active \(left mid-migration; resumed\)$')
    hasnt(s, r'^attach: src vf 2', r'^found-outside-active')
    digests = re.findall(r'^digest: (\w+)$', out, re.M)
    if len(digests) < 2 or digests[0] != digests[1]:
        raise Fail('digest changed across the restart: %s' % digests)
    has(section(out, 'show vf src 1'), r'^mode: active$')
    has(section(out, 'mode get src 2'), r'^mode: active$', r'^model-mode: active$')
    has(section(out, 'pf reattach m1'),
        r'^attach: m1 vf 1: stop \(migrated away per journal; left stopped\)$')
    has(section(out, 'show vf m1 1'), r'^mode: stop$',
        r'^migrated-away: yes \(journal\)$')
    has(section(out, 'mode get m1 1'), r'^mode: stop$', r'^model-mode: stop$')
    has(out, r'^exit: m1 vf 1: stop \(migrated to its destination, per the '
        r'journal; left as is\)$')
