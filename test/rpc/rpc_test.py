#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""Tests of vpf-rpc (app/vpf-rpc) against a real vpfd.

    rpc_test.py --list       names of the cases (meson registers one test
                             per case, suite 'rpc')
    rpc_test.py CASE         run one case (unittest): exit 0 pass, 77 skip,
                             1 fail

Environment: VPFD (the built daemon), VPF_RPC (the built vpf-rpc). Each case
that needs a daemon starts its own in a temporary directory (socket,
journal, log) with two software model PFs, and stops it with SIGTERM
(SIGKILL after a timeout) whatever happens; a daemon that does not exit 0
on SIGTERM fails the case.
"""

import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

sys.dont_write_bytecode = True

VPFD = os.environ.get('VPFD')
if VPFD:
    VPFD = os.path.abspath(VPFD)
VPF_RPC = os.environ.get('VPF_RPC')
if VPF_RPC:
    VPF_RPC = os.path.abspath(VPF_RPC)
SKIP = 77
START_TIMEOUT = 20      # seconds for a daemon to serve its socket
STOP_TIMEOUT = 15       # seconds for it to exit on SIGTERM
CALL_TIMEOUT = 30       # seconds for one vpf-rpc process

# Every method of the contract (doc/vpfd.md, "Methods").
CONTRACT_METHODS = sorted([
    'rpc_get_methods', 'auth', 'pf_list', 'pf_get', 'pf_attach_model',
    'pf_attach_vfio', 'pf_detach', 'pf_reattach', 'vf_get', 'vf_mode_get',
    'vf_mig_state_get', 'vf_mig_state_set',
    'vf_mig_save_next', 'vf_mig_load', 'vf_mig_precopy_info',
    'vf_mig_complete', 'vf_mig_abort', 'mig_job_start', 'mig_job_get',
    'mig_job_cancel', 'mig_job_list', 'model_guest', 'model_digest',
    'model_ring_export', 'model_ring_import', 'model_fault',
    'model_fault_clear', 'stats'])
PF_LIST_KEYS = {'name', 'bdf', 'dialect', 'num_vfs', 'vf_offset',
                'vf_stride', 'backend'}
PF_GET_KEYS = PF_LIST_KEYS | {'journal', 'inflight', 'recoveries', 'failed'}
VF_GET_KEYS = {'pf', 'vf', 'bdf', 'mode', 'state', 'moved', 'complete',
               'journal', 'busy', 'held_by', 'left_by'}


def load_module():
    """vpf-rpc as a module (its file has no .py suffix in the build
    tree)."""
    loader = importlib.machinery.SourceFileLoader('vpf_rpc', VPF_RPC)
    spec = importlib.util.spec_from_loader('vpf_rpc', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


rpcmod = None


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """One vpfd in @tmp: socket tmp/vpf.sock, journal tmp/journal, log
    tmp/vpfd.log."""

    def __init__(self, tmp, models, extra=()):
        self.tmp = tmp
        self.sock = os.path.join(tmp, 'vpf.sock')
        self.journal = os.path.join(tmp, 'journal')
        self.logpath = os.path.join(tmp, 'vpfd.log')
        os.makedirs(self.journal, exist_ok=True)
        cmd = [VPFD, '--', '-s', self.sock, '--journal', self.journal]
        for m in models:
            cmd += ['--model', m]
        cmd += list(extra)
        self.cmd = cmd
        self.log = open(self.logpath, 'w')
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=subprocess.STDOUT,
                                  cwd=tmp, start_new_session=True)
        self.rc = None
        self.killed = False

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.logpath, errors='replace') as fp:
            return fp.read()

    def wait_ready(self, check_unix=True):
        """Until the Unix socket answers (the daemon serves it once every
        listener is open)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise AssertionError('vpfd exited with %d at start-up:\n%s\n%s'
                                     % (self.p.returncode, ' '.join(self.cmd),
                                        self.logtext()))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.sock)
                return
            except OSError:
                time.sleep(0.05)
            finally:
                s.close()
        raise AssertionError('vpfd did not serve %s within %d s:\n%s'
                             % (self.sock, START_TIMEOUT, self.logtext()))

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT; returns the exit
        status (a negative signal number when killed)."""
        if self.rc is not None:
            return self.rc
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.p.kill()
                self.p.wait(10)
        self.rc = self.p.returncode
        self.log.close()
        return self.rc


class RpcCase(unittest.TestCase):
    """A case with a temporary directory and (when it asks) a daemon."""

    MODELS = ('name=src,vfs=2,seed=1', 'name=dst,vfs=2,seed=2')

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='vpf-rpc-test-')
        self.d = None
        self.env = dict(os.environ)
        self.env.pop('VPF_RPC_SOCKET', None)

    def tearDown(self):
        try:
            if self.d is not None:
                rc = self.d.stop()
                log = self.d.logtext() if os.path.exists(self.d.logpath) \
                    else ''
                if self.d.killed:
                    self.fail('vpfd ignored SIGTERM for %d s (killed):\n%s'
                              % (STOP_TIMEOUT, log))
                if rc != 0:
                    self.fail('vpfd exited with %d on SIGTERM:\n%s'
                              % (rc, log))
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def daemon(self, models=None, extra=()):
        self.d = Daemon(self.tmp, self.MODELS if models is None else models,
                        extra)
        self.d.wait_ready()
        return self.d

    def path(self, name):
        return os.path.join(self.tmp, name)

    def rpc(self, *args, rc=0, sock=True, fds=(), env=None):
        """Run vpf-rpc; check its exit status. Returns (stdout, stderr)."""
        cmd = [sys.executable, VPF_RPC]
        if sock and self.d is not None:
            cmd += ['-s', self.d.sock]
        for f in fds:
            cmd += ['--fd', f]
        cmd += list(args)
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=CALL_TIMEOUT, stdin=subprocess.DEVNULL,
                           env=self.env if env is None else env)
        if rc is not None and p.returncode != rc:
            self.fail('%s: exit status %d, expected %d\n--- stdout\n%s'
                      '--- stderr\n%s%s'
                      % (' '.join(args), p.returncode, rc, p.stdout, p.stderr,
                         '--- vpfd\n' + self.d.logtext() if self.d else ''))
        return p.stdout, p.stderr

    def call(self, *args, fds=()):
        """vpf-rpc that must succeed: its result, parsed."""
        out, _ = self.rpc(*args, fds=fds)
        return json.loads(out)

    def client(self):
        return rpcmod.VpfRpcClient(self.d.sock, timeout=CALL_TIMEOUT)


# ------------------------------------------------------------ usage -------

class Usage(RpcCase):

    def test_help(self):
        out, _ = self.rpc('-h', sock=False)
        for opt in ('--socket', '--tcp', '--token-file', '--fd', '--timeout',
                    'METHOD', 'key=value', 'rpc_get_methods'):
            self.assertIn(opt, out)

    def test_usage_errors(self):
        """Each usage error exits 2 and says why, before any connection
        (no daemon runs: 3 would mean it tried to connect)."""
        tok = self.path('tok')
        with open(tok, 'w') as fp:
            fp.write('x\n')
        nosock = ['-s', self.path('none.sock')]
        cases = [
            ([], r'METHOD|required'),
            (nosock + ['pf_get', 'pf'], r"'pf' is not key=value"),
            (nosock + ['pf_get', '=src'], r"not key=value"),
            (nosock + ['pf_get', 'pf=a', 'pf=b'], r"'pf' given twice"),
            (nosock + ['--bogus', 'pf_list'], r'unrecognized'),
            (nosock + ['-t', 'soon', 'pf_list'], r'invalid float'),
            (nosock + ['-t', '-1', 'pf_list'], r'negative timeout'),
            (['--tcp', 'localhost', '--token-file', tok, 'pf_list'],
             r'HOST:PORT'),
            (['--tcp', '127.0.0.1:70000', '--token-file', tok, 'pf_list'],
             r'HOST:PORT'),
            (['--tcp', '127.0.0.1:1', 'pf_list'], r'needs --token-file'),
            (['--tcp', '127.0.0.1:1', '--token-file', tok, '--fd', tok,
              'vf_mig_load'], r'--fd needs the Unix socket'),
            (nosock + ['--token-file', tok, 'pf_list'],
             r'--token-file goes with --tcp'),
            (nosock + ['--tcp', '127.0.0.1:1', '--token-file', tok,
                       'pf_list'], r'exclude'),
            (['--tcp', '127.0.0.1:1', '--token-file', self.path('nope'),
              'pf_list'], r'token file'),
            (nosock + ['--fd', self.path('no/such/dir'), 'vf_mig_load'],
             r'--fd .*No such file'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                _, err = self.rpc(*args, rc=2, sock=False)
                self.assertRegex(err, msg)
                self.assertIn('usage: vpf-rpc', err)

    def test_values(self):
        """key=value: JSON when it parses as JSON, a string otherwise."""
        pv = rpcmod.parse_value
        self.assertEqual(pv('1'), 1)
        self.assertEqual(pv('-5'), -5)
        self.assertEqual(pv('true'), True)
        self.assertEqual(pv('null'), None)
        self.assertEqual(pv('src'), 'src')
        self.assertEqual(pv('"123"'), '123')
        self.assertEqual(pv('0000:01:00.1'), '0000:01:00.1')
        self.assertEqual(pv('0123'), '0123')        # not JSON: a string
        self.assertEqual(pv('1.4'), '1.4')          # a dialect, not 1.4
        self.assertEqual(pv('2e3'), '2e3')
        self.assertEqual(pv('[1.5]'), [1.5])        # inside JSON: JSON
        self.assertEqual(pv(''), '')
        self.assertEqual(pv('[{"src_pf":"src","src_vf":1}]'),
                         [{'src_pf': 'src', 'src_vf': 1}])
        self.assertEqual(pv('{"a": [1, 2'), '{"a": [1, 2')
        self.assertEqual(rpcmod.parse_params(['vf=1', 'pf=src', 'x=a=b']),
                         {'vf': 1, 'pf': 'src', 'x': 'a=b'})


class Connect(RpcCase):

    def test_cannot_connect(self):
        """No socket, a socket nobody listens on, a closed TCP port: exit
        3 with the reason."""
        _, err = self.rpc('-s', self.path('none.sock'), 'pf_list', rc=3,
                          sock=False)
        self.assertRegex(err, r'cannot connect to .*none\.sock')
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(self.path('dead.sock'))      # bound, never listening
        try:
            _, err = self.rpc('-s', self.path('dead.sock'), 'pf_list', rc=3,
                              sock=False)
            self.assertRegex(err, r'cannot connect.*refused')
        finally:
            dead.close()
        tok = self.path('tok')
        with open(tok, 'w') as fp:
            fp.write('x')
        _, err = self.rpc('--tcp', '127.0.0.1:%d' % free_port(),
                          '--token-file', tok, 'pf_list', rc=3, sock=False)
        self.assertRegex(err, r'cannot connect to 127\.0\.0\.1:')
        env = dict(self.env, VPF_RPC_SOCKET=self.path('env.sock'))
        _, err = self.rpc('pf_list', rc=3, sock=False, env=env)
        self.assertRegex(err, r'cannot connect to .*env\.sock')

    def test_no_answer(self):
        """A listener that closes without answering, one that never
        answers: exit 4 (not a hang)."""
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.path('mute.sock'))
        srv.listen(4)
        srv.settimeout(CALL_TIMEOUT)
        p = None
        try:
            p = subprocess.Popen([sys.executable, VPF_RPC, '-s',
                                  self.path('mute.sock'), '-t', '1',
                                  'pf_list'], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            conn, _ = srv.accept()
            out, err = p.communicate(timeout=CALL_TIMEOUT)
            conn.close()
            self.assertEqual(p.returncode, 4, err)
            self.assertIn('no answer', err)
            p = subprocess.Popen([sys.executable, VPF_RPC, '-s',
                                  self.path('mute.sock'), 'pf_list'],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            conn, _ = srv.accept()
            conn.settimeout(CALL_TIMEOUT)
            req = conn.recv(65536)
            self.assertEqual(json.loads(req)['method'], 'pf_list')
            conn.sendall(b'{"jsonrpc":"2.0","id":1,"res')
            conn.close()
            out, err = p.communicate(timeout=CALL_TIMEOUT)
            self.assertEqual(p.returncode, 4, err)
            self.assertIn('partial or malformed answer', err)
        finally:
            srv.close()
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()


# ------------------------------------------------------------ daemon ------

class Methods(RpcCase):

    def test_rpc_get_methods(self):
        self.daemon()
        methods = self.call('rpc_get_methods')
        self.assertIsInstance(methods, list)
        self.assertEqual(methods, sorted(methods))
        missing = set(CONTRACT_METHODS) - set(methods)
        self.assertFalse(missing, 'methods of the contract not served: %s'
                         % sorted(missing))
        # $VPF_RPC_SOCKET instead of -s
        env = dict(self.env, VPF_RPC_SOCKET=self.d.sock)
        out, _ = self.rpc('rpc_get_methods', sock=False, env=env)
        self.assertEqual(json.loads(out), methods)

    def test_pf_list(self):
        self.daemon()
        out, _ = self.rpc('pf_list')
        self.assertTrue(out.startswith('[\n  {\n    "'), 'not indent 2:\n'
                        + out)
        pfs = json.loads(out)
        self.assertEqual([p['name'] for p in pfs], ['src', 'dst'])
        for p in pfs:
            self.assertLessEqual(PF_LIST_KEYS, set(p))
            self.assertEqual(p['backend'], 'model')
            self.assertEqual(p['dialect'], 'seed-2023')
            self.assertEqual(p['num_vfs'], 2)
            self.assertRegex(p['bdf'], r'^[0-9a-f]{4}:[0-9a-f]{2}:'
                             r'[0-9a-f]{2}\.[0-7]$')
            for k in ('vf_offset', 'vf_stride'):
                self.assertIsInstance(p[k], int)
        self.assertNotEqual(pfs[0]['bdf'], pfs[1]['bdf'])
        got = self.call('pf_get', 'pf=src')
        self.assertLessEqual(PF_GET_KEYS, set(got))
        self.assertEqual({k: got[k] for k in PF_LIST_KEYS},
                         {k: pfs[0][k] for k in PF_LIST_KEYS})

    def test_socket_and_lock(self):
        """The socket is mode 0600; a second daemon on it fails (exit 1,
        "Address already in use") and the first one goes on serving."""
        self.daemon()
        self.assertEqual(os.stat(self.d.sock).st_mode & 0o777, 0o600)
        self.assertTrue(os.path.exists(self.d.sock + '.lock'))
        p = subprocess.run([VPFD, '--', '-s', self.d.sock, '--journal',
                            self.d.journal, '--model', 'name=x'],
                           capture_output=True, text=True,
                           timeout=START_TIMEOUT, cwd=self.tmp)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn('Address already in use', p.stderr)
        self.assertEqual([x['name'] for x in self.call('pf_list')],
                         ['src', 'dst'])

    def test_bdf_addressing(self):
        """Every VF's PCI address is its own (no other VF or PF has it)
        and addresses that VF: {"bdf": ...} is {"pf": ..., "vf": ...}."""
        self.daemon()
        self.call('pf_attach_model', 'name=third', 'vfs=3')
        owner = {}
        for p in self.call('pf_list'):
            self.assertNotIn(p['bdf'], owner, 'PF %s has the address of %s'
                             % (p['name'], owner.get(p['bdf'])))
            owner[p['bdf']] = (p['name'], 0)
            for vf in range(1, p['num_vfs'] + 1):
                bdf = self.call('vf_get', 'pf=' + p['name'],
                                'vf=%d' % vf)['bdf']
                self.assertNotIn(bdf, owner, '%s vf %d has the address of '
                                 '%s' % (p['name'], vf, owner.get(bdf)))
                owner[bdf] = (p['name'], vf)
        for bdf, (pf, vf) in owner.items():
            if vf == 0:
                continue
            got = self.call('vf_get', 'bdf=' + bdf)
            self.assertEqual((got['pf'], got['vf']), (pf, vf), bdf)

    def test_value_types(self):
        """Values reach the daemon as the JSON they parse as: vf=1 is a
        number, vf='"1"' a string (refused), a BDF a string."""
        self.daemon()
        vf = self.call('vf_get', 'pf=src', 'vf=1')
        self.assertLessEqual(VF_GET_KEYS, set(vf))
        self.assertEqual((vf['pf'], vf['vf'], vf['state'], vf['mode']),
                         ('src', 1, 'RUNNING', 'active'))
        same = self.call('vf_get', 'bdf=' + vf['bdf'])
        self.assertEqual((same['pf'], same['vf']), ('src', 1))
        _, err = self.rpc('vf_get', 'pf=src', 'vf="1"', rc=1)
        self.assertRegex(err, r'error -32602: .*vf')
        _, err = self.rpc('pf_get', 'pf=7', rc=1)
        self.assertRegex(err, r'error -32602: .*pf')
        self.assertIs(self.call('model_guest', 'pf=src', 'vf=2', 'ops=50'),
                      True)
        self.assertIs(self.call('model_guest', 'pf="src"', 'vf=2',
                                'ops=50'), True)
        # dialect=1.4 is the string "1.4", vfs=2 the number 2
        pf = self.call('pf_attach_model', 'name=v14', 'vfs=2', 'dialect=1.4')
        self.assertEqual((pf['name'], pf['dialect'], pf['num_vfs']),
                         ('v14', '1.4', 2))
        # an array of objects: a whole migration job
        job = self.call('mig_job_start',
                        'pairs=[{"src_pf":"src","src_vf":2,'
                        '"dst_pf":"dst","dst_vf":2}]', 'precopy=1')
        self.assertIsInstance(job['job'], int)
        deadline = time.monotonic() + 20
        while True:
            st = self.call('mig_job_get', 'job=%d' % job['job'])
            if st['done']:
                break
            self.assertLess(time.monotonic(), deadline, st)
            time.sleep(0.05)
        self.assertEqual(st['rc'], 0, st)
        self.assertEqual(len(st['pairs']), 1)
        self.assertEqual(self.call('model_digest', 'pf=src', 'vf=2'),
                         self.call('model_digest', 'pf=dst', 'vf=2'))

    def test_error_answer(self):
        """An error answer: exit 1, nothing on stdout, code and message on
        stderr (and the errno name of a device error)."""
        self.daemon()
        out, err = self.rpc('pf_get', 'pf=nope', rc=1)
        self.assertEqual(out, '')
        self.assertRegex(err, r'^vpf-rpc: pf_get: error -32602: .*nope')
        out, err = self.rpc('no_such_method', rc=1)
        self.assertEqual(out, '')
        self.assertRegex(err, r'error -32601: ')
        out, err = self.rpc('vf_get', 'pf=src', 'vf=1', 'bogus=1', rc=1)
        self.assertRegex(err, r'error -32602: .*bogus')
        # a device error: a negative errno and its name
        self.assertIs(self.call('model_fault', 'pf=src', 'vf=1',
                                'kind=einval'), True)
        _, err = self.rpc('vf_mode_get', 'pf=src', 'vf=1', rc=1)
        self.assertRegex(err, r'error -22: .*\(EINVAL\)$')
        # a descriptor that is not a regular file (a FIFO)
        os.mkfifo(self.path('fifo'))
        out, err = self.rpc('vf_mig_save_next', 'pf=src', 'vf=2',
                            fds=[self.path('fifo')], rc=1)
        self.assertRegex(err, r'error -32602: .*regular file')
        # save_next without a descriptor
        out, err = self.rpc('vf_mig_save_next', 'pf=src', 'vf=2', rc=1)
        self.assertRegex(err, r'error -32602: .*needs a file descriptor')

    def test_client_module(self):
        """VpfRpcClient: several calls on one connection, errors raised
        with .code/.message, the connection holds what it stopped."""
        self.daemon()
        with self.client() as c:
            self.assertIsInstance(c.call('rpc_get_methods'), list)
            self.assertIs(c.call('auth', {'token': 'ignored on unix'}), True)
            with self.assertRaises(rpcmod.VpfRpcError) as cm:
                c.call('pf_get', {'pf': 'nope'})
            self.assertEqual(cm.exception.code, -32602)
            self.assertIn('nope', cm.exception.message)
            # a request over vpfd's 1 MiB is refused before it is sent
            with self.assertRaises(ValueError):
                c.call('model_ring_import', {'pf': 'src', 'vf': 1,
                                             'ring': '00' * (1 << 19)})
            self.assertEqual(c.call('pf_get', {'pf': 'dst'})['name'], 'dst')
            st = c.call('vf_mig_state_set', {'pf': 'src', 'vf': 1,
                                             'state': 'stop'})
            self.assertEqual(st, {'state': 'STOP'})
            vf = c.call('vf_get', {'pf': 'src', 'vf': 1})
            self.assertIsNotNone(vf['held_by'])
            # another connection sees it held
            with self.client() as c2:
                self.assertEqual(c2.call('vf_get', {'pf': 'src', 'vf': 1})
                                 ['held_by'], vf['held_by'])
            self.assertEqual(c.call('vf_mig_state_set',
                                    {'pf': 'src', 'vf': 1,
                                     'state': 'RUNNING'}),
                             {'state': 'RUNNING'})
            vf = c.call('vf_get', {'pf': 'src', 'vf': 1})
            self.assertIsNone(vf['held_by'])
            self.assertIsNone(vf['left_by'])


class FdChannel(RpcCase):
    """The fd-passing data channel by hand: each vpf-rpc call a process of
    its own, the save stream through files."""

    def migrate_by_hand(self, v14):
        src, dst = 'pf=src', 'pf=dst'
        self.assertIs(self.call('model_guest', src, 'vf=1', 'ops=200'), True)
        before = self.call('model_digest', src, 'vf=1')['digest']
        self.assertRegex(before, r'^[0-9a-f]{64}$')
        self.assertNotEqual(before, self.call('model_digest', dst, 'vf=1')
                            ['digest'], 'the test cannot fail')
        self.assertEqual(self.call('vf_mig_state_set', src, 'vf=1',
                                   'state=stop_copy'),
                         {'state': 'STOP_COPY'})
        piece = self.path('piece.bin')
        stream = b''
        for _ in range(64):
            r = self.call('vf_mig_save_next', src, 'vf=1', fds=[piece])
            self.assertEqual(set(r), {'bytes', 'state', 'round', 'end'})
            with open(piece, 'rb') as fp:
                data = fp.read()
            self.assertEqual(len(data), r['bytes'])
            stream += data
            if r['end']:
                break
        else:
            self.fail('STOP_COPY save stream without an end')
        self.assertGreater(len(stream), 0)
        # after the end: 0 bytes
        r = self.call('vf_mig_save_next', src, 'vf=1', fds=[piece])
        self.assertEqual(r['bytes'], 0)
        self.assertEqual(os.path.getsize(piece), 0)

        whole = self.path('stream.bin')
        with open(whole, 'wb') as fp:
            fp.write(stream)
        self.assertEqual(self.call('vf_mig_state_set', dst, 'vf=1',
                                   'state=RESUMING'), {'state': 'RESUMING'})
        # the whole stream in two loads (any split is a valid one)
        half = len(stream) // 2
        with open(self.path('a.bin'), 'wb') as fp:
            fp.write(stream[:half])
        self.assertEqual(self.call('vf_mig_load', dst, 'vf=1',
                                   'bytes=%d' % half,
                                   fds=[self.path('a.bin')]),
                         {'loaded': half})
        with open(self.path('b.bin'), 'wb') as fp:
            fp.write(stream[half:])
        self.assertEqual(self.call('vf_mig_load', dst, 'vf=1',
                                   'bytes=%d' % (len(stream) - half),
                                   fds=[self.path('b.bin')]),
                         {'loaded': len(stream)})
        if v14:
            # the guest's ring positions move with its RAM; quoted: a hex
            # string of digits only would parse as a number
            ring = self.call('model_ring_export', src, 'vf=1')['ring']
            self.assertRegex(ring, r'^[0-9a-f]+$')
            self.assertIs(self.call('model_ring_import', dst, 'vf=1',
                                    'ring="%s"' % ring), True)
        self.assertEqual(self.call('vf_mig_state_set', dst, 'vf=1',
                                   'state=RUNNING'), {'state': 'RUNNING'})
        after_src = self.call('model_digest', src, 'vf=1')['digest']
        after_dst = self.call('model_digest', dst, 'vf=1')['digest']
        self.assertEqual(after_src, before)
        self.assertEqual(after_dst, before)

        # the source: STOP, then complete (never resumed)
        self.assertEqual(self.call('vf_mig_state_set', src, 'vf=1',
                                   'state=STOP'), {'state': 'STOP'})
        s = self.call('vf_get', src, 'vf=1')
        # the process that stopped it is gone: held by nobody, a note
        self.assertIsNone(s['held_by'], s)
        self.assertIsInstance(s['left_by'], str, s)
        self.assertFalse(s['complete'], s)
        self.assertIs(self.call('vf_mig_complete', src, 'vf=1'), True)
        s = self.call('vf_get', src, 'vf=1')
        self.assertTrue(s['complete'], s)
        self.assertEqual(s['state'], 'STOP', s)
        d = self.call('vf_get', dst, 'vf=1')
        self.assertEqual((d['state'], d['mode'], d['held_by']),
                         ('RUNNING', 'active', None), d)
        # the destination runs the guest on
        self.assertIs(self.call('model_guest', dst, 'vf=1', 'ops=20'), True)

    def test_fd_migrate(self):
        self.daemon()
        self.migrate_by_hand(False)

    def test_fd_migrate_v14(self):
        self.daemon(models=('name=src,vfs=2,seed=1,dialect=1.4',
                            'name=dst,vfs=2,seed=2,dialect=1.4'))
        self.migrate_by_hand(True)

    def test_fd_precopy_memfd(self):
        """The module with memfds: precopy rounds (one call = one round),
        then stop-copy, each piece loaded as it comes."""
        self.daemon()
        c = self.client()
        s = {'pf': 'src', 'vf': 2}
        t = {'pf': 'dst', 'vf': 2}
        out = os.memfd_create('save')
        inp = os.memfd_create('load')
        try:
            c.call('model_guest', dict(s, ops=100))
            c.call('vf_mig_state_set', dict(t, state='RESUMING'))
            self.assertEqual(c.call('vf_mig_state_set',
                                    dict(s, state='PRE_COPY')),
                             {'state': 'PRE_COPY'})
            total = 0
            rounds = []

            def move():
                nonlocal total
                r = c.call('vf_mig_save_next', s, fd=out)
                os.lseek(out, 0, os.SEEK_SET)
                data = os.read(out, r['bytes'] + 1)
                self.assertEqual(len(data), r['bytes'])
                if data:
                    os.ftruncate(inp, 0)
                    os.pwrite(inp, data, 0)
                    total += len(data)
                    self.assertEqual(c.call('vf_mig_load',
                                            dict(t, bytes=len(data)),
                                            fd=inp), {'loaded': total})
                return r

            for _ in range(3):
                r = move()
                self.assertEqual(r['state'], 'PRE_COPY')
                self.assertFalse(r['end'])
                rounds.append(r['round'])
                info = c.call('vf_mig_precopy_info', s)
                self.assertEqual(set(info), {'initial_bytes', 'dirty_bytes',
                                             'round', 'pending_bytes'})
                c.call('model_guest', dict(s, ops=30))
            self.assertEqual(rounds, sorted(set(rounds)), rounds)
            c.call('vf_mig_state_set', dict(s, state='STOP_COPY'))
            for _ in range(64):
                if move()['end']:
                    break
            else:
                self.fail('no end')
            c.call('vf_mig_state_set', dict(t, state='RUNNING'))
            self.assertEqual(c.call('model_digest', s),
                             c.call('model_digest', t))
            # the fd of a call that fails is not kept for the next one
            with self.assertRaises(rpcmod.VpfRpcError):
                c.call('vf_mig_save_next', {'pf': 'nope', 'vf': 1}, fd=out)
            with self.assertRaises(rpcmod.VpfRpcError) as cm:
                c.call('vf_mig_save_next', s)
            self.assertIn('needs a file descriptor', cm.exception.message)
            c.call('vf_mig_abort', s)
        finally:
            os.close(out)
            os.close(inp)
            c.close()


class Tcp(RpcCase):

    def test_tcp_token(self):
        port = free_port()
        tok = self.path('token')
        with open(tok, 'w') as fp:
            fp.write('s3cret-token-0123456789\n')
        os.chmod(tok, 0o600)
        self.daemon(extra=['--listen', 'tcp:127.0.0.1:%d' % port,
                           '--token-file', tok])
        addr = '127.0.0.1:%d' % port
        # the Unix socket needs no token
        self.assertEqual(len(self.call('pf_list')), 2)
        out, _ = self.rpc('--tcp', addr, '--token-file', tok, 'pf_list',
                          sock=False)
        self.assertEqual([p['name'] for p in json.loads(out)],
                         ['src', 'dst'])
        bad = self.path('bad')
        with open(bad, 'w') as fp:
            fp.write('s3cret-token-0123456789X\n')
        out, err = self.rpc('--tcp', addr, '--token-file', bad, 'pf_list',
                            rc=1, sock=False)
        self.assertEqual(out, '')
        self.assertRegex(err, r'^vpf-rpc: pf_list: error -32001: wrong token')
        # no auth first: -32001, then the connection is closed
        with rpcmod.VpfRpcClient(tcp=('127.0.0.1', port),
                                 timeout=CALL_TIMEOUT) as c:
            with self.assertRaises(rpcmod.VpfRpcError) as cm:
                c.call('pf_list')
            self.assertEqual(cm.exception.code, -32001)
            self.assertIn('authentication required', cm.exception.message)
            with self.assertRaises(rpcmod.VpfRpcProtocolError):
                c.call('auth', {'token': 's3cret-token-0123456789'})
        # a wrong token, then the right one on the same connection: the
        # connection is not authenticated
        with rpcmod.VpfRpcClient(tcp=('127.0.0.1', port),
                                 timeout=CALL_TIMEOUT) as c:
            with self.assertRaises(rpcmod.VpfRpcError) as cm:
                c.call('auth', {'token': 'wrong'})
            try:
                c.call('auth', {'token': 's3cret-token-0123456789'})
                self.fail('a second auth after a wrong token was accepted')
            except (rpcmod.VpfRpcError, rpcmod.VpfRpcProtocolError):
                pass
        # the module with the right token: several calls
        with rpcmod.VpfRpcClient(tcp=('127.0.0.1', port),
                                 token='s3cret-token-0123456789',
                                 timeout=CALL_TIMEOUT) as c:
            self.assertEqual(c.call('pf_get', {'pf': 'dst'})['name'], 'dst')
            self.assertIn('pf_list', c.call('rpc_get_methods'))


# ------------------------------------------------------------ doc ---------

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                   'doc', 'vpfd.md')


class Doc(RpcCase):

    def test_methods_documented(self):
        """doc/vpfd.md describes every method the daemon serves, and only
        those; its generated list is rpc_get_methods' answer."""
        with open(DOC) as fp:
            doc = fp.read()
        sec = doc.split('\n## Methods\n', 1)[1].split('\n## ', 1)[0]
        described = re.findall(r'^\| `([a-z_0-9]+)`', sec, re.M)
        self.assertEqual(len(described), len(set(described)), described)
        m = re.search(r'<!-- rpc_get_methods -->\n(.*?)<!-- end -->', sec,
                      re.S)
        self.assertIsNotNone(m, 'no generated method list')
        listed = re.findall(r'`([a-z_0-9]+)`', m.group(1))
        self.daemon()
        methods = self.call('rpc_get_methods')
        body = ', '.join('`%s`' % m for m in methods)
        self.assertEqual(listed, methods, 'the generated list is stale; '
                         'between the markers put:\n%s'
                         % textwrap.fill(body, 76))
        self.assertEqual(sorted(described), methods)


# ------------------------------------------------------------ unit --------

class Unit(RpcCase):

    def test_systemd_unit(self):
        """systemd-analyze verify accepts the unit (its ExecStart pointed
        at the built vpfd, which verify wants to exist)."""
        sa = shutil.which('systemd-analyze')
        if sa is None:
            raise unittest.SkipTest('no systemd-analyze')
        unit = os.environ.get('VPFD_UNIT')
        if not unit or not os.path.exists(unit):
            raise unittest.SkipTest('VPFD_UNIT not set')
        with open(unit) as fp:
            text = fp.read()
        m = re.search(r'^ExecStart=(\S+)/vpfd ', text, re.M)
        self.assertIsNotNone(m, text)
        for want in (r'^Type=simple$', r'^KillSignal=SIGTERM$',
                     r'^Restart=on-failure$', r'^TimeoutStopSec=\d+',
                     r'^EnvironmentFile=-/etc/default/vpfd$',
                     r'-s /var/tmp/vpf\.sock', r'--journal /var/lib/vpf/'
                     r'journal', r'\$VPFD_ARGS$'):
            self.assertRegex(text, re.compile(want, re.M))
        exe = VPFD if VPFD and os.access(VPFD, os.X_OK) else \
            shutil.which('true')
        text = text.replace(m.group(0), 'ExecStart=%s ' % exe)
        path = self.path('vpfd.service')
        with open(path, 'w') as fp:
            fp.write(text)
        p = subprocess.run([sa, 'verify', path], capture_output=True,
                           text=True, timeout=CALL_TIMEOUT)
        # verify also judges the units this one names (network.target
        # etc.) on this machine: only lines about vpfd.service count
        ours = [l for l in (p.stdout + p.stderr).splitlines()
                if 'vpfd.service' in l]
        self.assertEqual(ours, [], p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


def cases():
    loader = unittest.TestLoader()
    names = []
    for cls in (Usage, Connect, Methods, FdChannel, Tcp, Doc, Unit):
        for n in loader.getTestCaseNames(cls):
            names.append('%s.%s' % (cls.__name__, n))
    return names


def main():
    global rpcmod
    if len(sys.argv) == 2 and sys.argv[1] == '--list':
        print('\n'.join(cases()))
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not VPF_RPC or not os.path.exists(VPF_RPC):
        print('VPF_RPC not set or missing', file=sys.stderr)
        return SKIP
    rpcmod = load_module()
    needs_daemon = not sys.argv[1].startswith(('Usage.', 'Connect.',
                                               'Unit.'))
    if needs_daemon and (not VPFD or not os.access(VPFD, os.X_OK)):
        print('VPFD not set or not executable', file=sys.stderr)
        return SKIP
    suite = unittest.TestLoader().loadTestsFromName(sys.argv[1],
                                                    sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if res.wasSuccessful():
        if res.skipped and len(res.skipped) == res.testsRun:
            return SKIP
        return 0
    return 1


if __name__ == '__main__':
    sys.exit(main())
