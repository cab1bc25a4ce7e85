#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""vpfd's control plane at the socket level: a real daemon, hostile and
careless clients (doc/vpfd.md, "Sockets, lock and TCP", "JSON-RPC
conventions", "The data channel").

    vpfd_net_test.py --list    names of the cases (meson registers one test
                               per case, suite 'vpfd')
    vpfd_net_test.py CASE      run one case (unittest): exit 0 pass, 77
                               skip, 1 fail

Environment: VPFD, the built daemon. Each case starts its own vpfd in a
temporary directory (socket, lock, journal, log) with two model PFs (src
and dst, 4 VFs each), and stops it with SIGTERM (SIGKILL after a
timeout). The rule every hostile client is held to: it gets an error
answer or is dropped, the daemon goes on serving everyone else, and no VF
changes (vf_get of every VF and its model digest compared before and
after).
"""

import array
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True

VPFD = os.environ.get('VPFD')
if VPFD:
    VPFD = os.path.abspath(VPFD)
SKIP = 77
START_TIMEOUT = 20      # seconds for a daemon to serve its socket
STOP_TIMEOUT = 15       # seconds for it to exit on SIGTERM
IO_TIMEOUT = 10         # seconds for one answer
REQ_MAX = 1 << 20       # the contract's largest request
MAX_CONN = 256          # connections the daemon serves at once
# what a sanitizer build of the daemon writes to its log
SANITIZER_MARKS = ('runtime error:', 'ERROR: AddressSanitizer',
                   'ERROR: LeakSanitizer', 'ERROR: UndefinedBehavior')
E_PARSE, E_REQUEST, E_METHOD, E_PARAMS, E_AUTH = \
    -32700, -32600, -32601, -32602, -32001

MODELS = ('name=src,vfs=4,bdf=0000:81:00.0',
          'name=dst,vfs=4,seed=2,bdf=0000:82:00.0')


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def req(method, params=None, rid=1):
    o = {'jsonrpc': '2.0', 'method': method, 'id': rid}
    if params is not None:
        o['params'] = params
    return (json.dumps(o) + '\n').encode()


class Daemon:
    """One vpfd: socket DIR/s.sock, journal DIR/j, log DIR/vpfd.log."""

    def __init__(self, tmp, extra=(), models=MODELS, log='vpfd.log'):
        self.tmp = tmp
        self.sock = os.path.join(tmp, 's.sock')
        self.journal = os.path.join(tmp, 'j')
        self.logpath = os.path.join(tmp, log)
        os.makedirs(self.journal, exist_ok=True)
        self.cmd = [VPFD, '--', '-s', self.sock, '--journal', self.journal]
        for m in models:
            self.cmd += ['--model', m]
        self.cmd += list(extra)
        self.log = open(self.logpath, 'w')
        self.p = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                  stdout=self.log, stderr=subprocess.STDOUT,
                                  cwd=tmp, start_new_session=True)
        self.rc = None

    @property
    def pid(self):
        return self.p.pid

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.logpath, errors='replace') as fp:
            return fp.read()

    def wait_exit(self, timeout=START_TIMEOUT):
        try:
            self.rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(10)
            raise AssertionError('vpfd did not exit within %d s:\n%s'
                                 % (timeout, self.logtext()))
        self.log.close()
        return self.rc

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.p.poll() is not None:
                raise AssertionError('vpfd exited with %d at start-up:\n%s'
                                     % (self.p.returncode, self.logtext()))
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(IO_TIMEOUT)
            try:
                s.connect(self.sock)
            except OSError:
                s.close()
                time.sleep(0.05)
                continue
            try:
                # the socket is open before the PFs are attached; the
                # first answer comes once they are
                s.sendall(req('rpc_get_methods'))
                if s.recv(1) == b'':
                    raise AssertionError('vpfd closed a connection at '
                                         'start-up:\n' + self.logtext())
                return self
            finally:
                s.close()
        raise AssertionError('vpfd did not serve %s within %d s:\n%s'
                             % (self.sock, START_TIMEOUT, self.logtext()))

    def stop(self, sig=signal.SIGTERM):
        """@sig, then SIGKILL after STOP_TIMEOUT; the exit status, or None
        when it had to be killed."""
        if self.rc is not None or self.p.returncode is not None:
            self.rc = self.p.returncode
            return self.rc
        self.p.send_signal(sig)
        try:
            self.rc = self.p.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(10)
            self.rc = None
        self.log.close()
        return self.rc

    def rm_eal_dir(self):
        """EAL leaves an empty runtime directory named after the daemon's
        file prefix (vpfd-PID) when it exits: removed if still empty."""
        for base in ('/var/run/dpdk', os.path.join(
                os.environ.get('XDG_RUNTIME_DIR', '/nonexistent'), 'dpdk')):
            try:
                os.rmdir(os.path.join(base, 'vpfd-%d' % self.pid))
            except OSError:
                pass

    def quiet_fds(self):
        """fds() once it stays the same for 0.2 s (connections just
        closed by clients reaped)."""
        prev = self.fds()
        deadline = time.monotonic() + IO_TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.fds()
            if now == prev:
                time.sleep(0.1)
                if self.fds() == now:
                    return now
            prev = now
        return prev

    def fds(self):
        """The daemon's open descriptors: {fd number: link target}."""
        out = {}
        d = '/proc/%d/fd' % self.pid
        for n in os.listdir(d):
            try:
                out[int(n)] = os.readlink(os.path.join(d, n))
            except OSError:
                pass
        return out


class Conn:
    """A raw client connection with a line reader."""

    def __init__(self, path=None, tcp=None, timeout=IO_TIMEOUT):
        if tcp is not None:
            self.s = socket.create_connection(tcp, timeout=timeout)
        else:
            # a full listen queue says EAGAIN to a connect with a
            # timeout: retried until the daemon accepts
            deadline = time.monotonic() + timeout
            while True:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.settimeout(timeout)
                try:
                    self.s.connect(path)
                    break
                except BlockingIOError:
                    self.s.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
        self.buf = b''
        self.eof = False

    def close(self):
        self.s.close()

    def send(self, data, fds=()):
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    array.array('i', fds).tobytes())]
            n = self.s.sendmsg([data], anc)
            if n != len(data):
                self.s.sendall(data[n:])
        else:
            self.s.sendall(data)

    def line(self):
        """The next answer (parsed), or None at EOF / reset."""
        while b'\n' not in self.buf:
            try:
                chunk = self.s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                chunk = b''
            if not chunk:
                self.eof = True
                return None
            self.buf += chunk
        ln, self.buf = self.buf.split(b'\n', 1)
        return json.loads(ln)

    def call(self, method, params=None, rid=1, fds=()):
        self.send(req(method, params, rid), fds)
        return self.line()

    def result(self, method, params=None, rid=1):
        a = self.call(method, params, rid)
        if a is None or 'result' not in a:
            raise AssertionError('%s %s: %r' % (method, params, a))
        if a.get('id') != rid or a.get('jsonrpc') != '2.0':
            raise AssertionError('%s: bad envelope %r' % (method, a))
        return a['result']

    def closed(self, timeout=IO_TIMEOUT):
        """Whether the daemon closes the connection (EOF) within @timeout,
        any answers before it skipped."""
        self.s.settimeout(timeout)
        try:
            while self.line() is not None:
                pass
        except socket.timeout:
            return False
        return True


class NetCase(unittest.TestCase):

    def setUp(self):
        if not VPFD or not os.access(VPFD, os.X_OK):
            self.skipTest('VPFD is not set to the built daemon')
        self.tmp = tempfile.mkdtemp(prefix='vpfd-net-')
        self.daemons = []
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()
        try:
            for d in self.daemons:
                if d.rc is None and d.p.poll() is None:
                    rc = d.stop()
                    if rc != 0:
                        self.fail('vpfd exited with %r on SIGTERM:\n%s'
                                  % (rc, d.logtext()))
            # a sanitizer build reports without always stopping (UBSan)
            for d in self.daemons:
                d.rm_eal_dir()
                log = d.logtext()
                for mark in SANITIZER_MARKS:
                    if mark in log:
                        self.fail('vpfd: %s:\n%s' % (mark, log))
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def start(self, extra=(), ready=True, tmp=None, log='vpfd.log'):
        d = Daemon(tmp or self.tmp, extra, log=log)
        self.daemons.append(d)
        return d.wait_ready() if ready else d

    def conn(self, d=None, **kw):
        d = d or self.daemons[0]
        c = Conn(d.sock, **kw)
        self.conns.append(c)
        return c

    def snapshot(self, c):
        """vf_get and model_digest of every VF of every PF."""
        snap = {}
        for p in c.result('pf_list'):
            for vf in range(1, p['num_vfs'] + 1):
                a = {'pf': p['name'], 'vf': vf}
                snap[(p['name'], vf)] = (c.result('vf_get', a),
                                         c.result('model_digest', a))
        self.assertEqual(len(snap), 8)
        return snap

    def assert_serves(self, c, what=''):
        """@c (another client) is still served, correctly."""
        r = c.result('pf_list', rid=99)
        self.assertEqual(sorted(p['name'] for p in r), ['dst', 'src'],
                         what)

    def assert_error(self, a, code, what=''):
        self.assertIsNotNone(a, '%s: no answer, connection closed' % what)
        self.assertIn('error', a, '%s: %r' % (what, a))
        self.assertEqual(a['error']['code'], code, '%s: %r' % (what, a))
        self.assertEqual(a['jsonrpc'], '2.0')
        self.assertIsInstance(a['error']['message'], str)


# ---------------------------------------------------- malformed input -----

class Malformed(NetCase):

    def test_malformed_json(self):
        """Each malformed request gets -32700 (or -32600) and its
        connection is closed; nothing else happens."""
        self.start()
        other = self.conn()
        before = self.snapshot(other)
        deep = b'{"a":' * 100 + b'1' + b'}' * 100
        deep_params = (b'{"jsonrpc":"2.0","method":"pf_list","id":1,'
                       b'"params":{"x":' + b'[' * 100 + b']' * 100 + b'}}')
        cases = [
            (b'{"jsonrpc":}\n', E_PARSE),
            (b'{]\n', E_PARSE),
            (b'{"jsonrpc":"2.0","method":"pf_list","id":1,}\n', E_PARSE),
            (b'\xde\xad\xbe\xef garbage\n', E_PARSE),
            (b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', E_PARSE),
            (b'\x00\x00\x00\x00\n', E_PARSE),
            (b'{"jsonrpc":"2.0","method":"pf_list\x00","id":1}\n', E_PARSE),
            (b'{"jsonrpc":"2.0","method":"pf\xc3\x28list","id":1}\n',
             E_PARSE),
            (b'{"jsonrpc":"2.0","method":"\xed\xa0\x80","id":1}\n', E_PARSE),
            (b'{"jsonrpc":"2.0","method":"pf_list","id":1,"id":2}\n',
             E_PARSE),
            (b'{"jsonrpc":"2.0","method":"vf_get","id":1,"params":'
             b'{"pf":"src","vf":100000000000000000000000}}\n', E_PARSE),
            (deep + b'\n', E_PARSE),
            (deep_params + b'\n', E_PARSE),
            (b'42\n', E_PARSE),
            (b'"pf_list"\n', E_PARSE),
            (b'null\n', E_PARSE),
            (b'}\n', E_PARSE),
        ]
        for data, code in cases:
            with self.subTest(data=data[:40]):
                c = self.conn()
                c.send(data)
                self.assert_error(c.line(), code, repr(data[:40]))
                self.assertTrue(c.closed(), 'not closed after %r' % data[:40])
                self.assert_serves(other, repr(data[:40]))
        # a request cut short: no answer; the daemon waits, then drops it
        # when the client shuts its side
        c = self.conn()
        c.send(b'{"jsonrpc":')
        self.assertEqual(select.select([c.s], [], [], 0.2)[0], [],
                         'an answer to half a request')
        c.s.shutdown(socket.SHUT_WR)
        self.assertTrue(c.closed())
        self.assertEqual(self.snapshot(other), before)

    def test_invalid_requests(self):
        """Well-formed JSON that is not a valid call: the right error code,
        the connection stays usable, answers keep request order."""
        self.start()
        other = self.conn()
        before = self.snapshot(other)
        c = self.conn()
        big_int = 2 ** 62
        cases = [
            # (request object, expected code)
            ([{'jsonrpc': '2.0', 'method': 'pf_list', 'id': 1}], E_REQUEST),
            ([], E_REQUEST),
            ({}, E_REQUEST),
            ({'jsonrpc': '2.0', 'id': 1}, E_REQUEST),
            ({'jsonrpc': '1.0', 'method': 'pf_list', 'id': 1}, E_REQUEST),
            ({'jsonrpc': 2.0, 'method': 'pf_list', 'id': 1}, E_REQUEST),
            ({'method': 'pf_list', 'id': 1}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': 42, 'id': 1}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': None, 'id': 1}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'id': {}}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'id': [1]}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'id': 1.5}, E_REQUEST),
            ({'jsonrpc': '2.0', 'method': 'nope', 'id': 1}, E_METHOD),
            ({'jsonrpc': '2.0', 'method': '', 'id': 1}, E_METHOD),
            ({'jsonrpc': '2.0', 'method': 'x' * 100000, 'id': 1}, E_METHOD),
            ({'jsonrpc': '2.0', 'method': 'PF_LIST', 'id': 1}, E_METHOD),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'params': [1],
              'id': 1}, E_PARAMS),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'params': 'x',
              'id': 1}, E_PARAMS),
            ({'jsonrpc': '2.0', 'method': 'pf_list', 'params': {'a': 1},
              'id': 1}, E_PARAMS),
            ({'jsonrpc': '2.0', 'method': 'pf_get', 'params': {},
              'id': 1}, E_PARAMS),
            ({'jsonrpc': '2.0', 'method': 'pf_get', 'params': {'pf': 7},
              'id': 1}, E_PARAMS),
            ({'jsonrpc': '2.0', 'method': 'pf_get', 'params': {'pf': 'zz'},
              'id': 1}, E_PARAMS),
        ]
        for vf in ('1', 0, 5, -1, 1.5, True, None, [1], {'a': 1}, big_int,
                   65537):
            cases.append(({'jsonrpc': '2.0', 'method': 'vf_get',
                           'params': {'pf': 'src', 'vf': vf}, 'id': 1},
                          E_PARAMS))
        for m, p in (('vf_mig_state_set', {'pf': 'src', 'vf': 1,
                                           'state': 'FLYING'}),
                     ('vf_mig_state_set', {'pf': 'src', 'vf': 1,
                                           'state': 7}),
                     ('vf_mig_state_set', {'pf': 'src', 'vf': 1}),
                     ('vf_get', {'bdf': '0000:81:00.0'}),
                     ('vf_get', {'bdf': 'not a bdf'}),
                     ('vf_get', {'bdf': '0000:81:00.1', 'pf': 'src'}),
                     ('vf_mig_load', {'pf': 'dst', 'vf': 1, 'bytes': 1}),
                     ('vf_mig_save_next', {'pf': 'src', 'vf': 1}),
                     ('model_guest', {'pf': 'src', 'vf': 1, 'ops': -1}),
                     ('model_guest', {'pf': 'src', 'vf': 1,
                                      'ops': 10 ** 9}),
                     ('model_ring_import', {'pf': 'dst', 'vf': 1,
                                            'ring': 'xyz'}),
                     ('model_ring_import', {'pf': 'dst', 'vf': 1,
                                            'ring': 'zz'}),
                     ('model_fault', {'pf': 'src', 'kind': 'meteor'}),
                     ('mig_job_start', {'pairs': 'all'}),
                     ('mig_job_start', {'pairs': []}),
                     ('mig_job_start', {'pairs': [{'src_pf': 'src'}]}),
                     ('mig_job_start', {'pairs': [
                         {'src_pf': 'src', 'src_vf': 1, 'dst_pf': 'dst',
                          'dst_vf': 9}]}),
                     ('mig_job_get', {'job': 12345}),
                     ('pf_attach_model', {'name': 'x', 'vfs': 100000}),
                     ('pf_attach_model', {'name': 'x', 'dialect': '2.0'}),
                     ('pf_detach', {'pf': 'nope'}),
                     # quotes, braces and backslashes inside strings are
                     # not framing
                     ('pf_get', {'pf': 'a"}{\\'}),
                     ('pf_get', {'pf': '\\"]}\\\\"{'}),
                     ('pf_get', {'pf': '}' * 100 + '{' * 100}),
                     ('auth', {}),
                     ('auth', {'token': 5})):
            cases.append(({'jsonrpc': '2.0', 'method': m, 'params': p,
                           'id': 1}, E_PARAMS))
        # refused by the PF layer: a negative errno
        cases.append(({'jsonrpc': '2.0', 'method': 'pf_attach_model',
                       'params': {'name': 'bad name!'}, 'id': 1},
                      -22))
        cases.append(({'jsonrpc': '2.0', 'method': 'pf_attach_model',
                       'params': {'name': 'src'}, 'id': 1}, -17))
        for i, (o, code) in enumerate(cases):
            if isinstance(o, dict) and isinstance(o.get('id'), int):
                o['id'] = 1000 + i
            with self.subTest(req=str(o)[:80]):
                c.send((json.dumps(o) + '\n').encode())
                a = c.line()
                self.assert_error(a, code, str(o)[:80])
                if isinstance(o, dict) and code != E_REQUEST:
                    self.assertEqual(a['id'], o['id'])
        # notifications get no answer, even failing ones; ids are echoed
        # as given (string, null) and answers keep request order
        c.send(b'{"jsonrpc":"2.0","method":"pf\\u005flist","id":"e\\"}"}')
        a = c.line()
        self.assertEqual(a['id'], 'e"}')
        self.assertEqual(len(a['result']), 2)
        c.send(b'{"jsonrpc":"2.0","method":"nope"}'
               b'{"jsonrpc":"2.0","method":"pf_get","params":{"pf":1}}  \n'
               b'{"jsonrpc":"2.0","method":"rpc_get_methods","id":"s"}'
               b'{"jsonrpc":"2.0","method":"pf_list","id":null}\r\n\t'
               b'{"jsonrpc":"2.0","method":"pf_get","params":null,"id":7}')
        a = c.line()
        self.assertEqual(a['id'], 's')
        self.assertIn('vf_get', a['result'])
        a = c.line()
        self.assertIsNone(a['id'])
        self.assertEqual(len(a['result']), 2)
        self.assert_error(c.line(), E_PARAMS)
        self.assert_serves(c)
        self.assert_serves(other)
        self.assertEqual(self.snapshot(other), before)

    def test_oversized(self):
        """A request of exactly 1 MiB is read; one byte more, a 2 MiB
        object, or a string of more than 1 MiB in params get -32600 and the
        connection is closed."""
        self.start()
        other = self.conn()
        before = self.snapshot(other)

        def padded(total, rid=5):
            head = b'{"jsonrpc":"2.0","method":"pf_list","id":%d,' \
                   b'"params":{"pad":"' % rid
            tail = b'"}}'
            return head + b'a' * (total - len(head) - len(tail)) + tail

        # exactly REQ_MAX: served (pad is an unknown parameter)
        c = self.conn()
        c.send(padded(REQ_MAX) + b'\n')
        a = c.line()
        self.assert_error(a, E_PARAMS, 'a request of exactly 1 MiB')
        self.assertEqual(a['id'], 5)
        self.assert_serves(c)
        # a 2 MiB object, keys and numbers
        keys = b','.join(b'"k%d":%d' % (i, i) for i in range(150000))
        big = (b'{"jsonrpc":"2.0","method":"pf_list","id":1,"params":{' +
               keys + b'}}\n')
        self.assertGreater(len(big), 2 * REQ_MAX - 200000)
        for what, data in (('REQ_MAX + 1', padded(REQ_MAX + 1) + b'\n'),
                           ('2 MiB object', big),
                           ('1 MiB string', padded(REQ_MAX + 4096)),
                           ('no end', b'{"a":"' + b'b' * (3 * REQ_MAX))):
            with self.subTest(what=what):
                c = self.conn()
                t = threading.Thread(target=self._send_quietly,
                                     args=(c, data))
                t.start()
                a = c.line()
                t.join(IO_TIMEOUT)
                self.assert_error(a, E_REQUEST, what)
                self.assertIn('larger than 1048576', a['error']['message'])
                self.assertTrue(c.closed(), what)
                self.assert_serves(other, what)
        self.assertEqual(self.snapshot(other), before)

    @staticmethod
    def _send_quietly(c, data):
        try:
            c.s.sendall(data)
        except OSError:
            pass        # dropped while sending: what we expect


# ------------------------------------------------------ careless clients ---

class Clients(NetCase):

    def test_disconnect_mid_request(self):
        """Half a request then close: nothing done, the daemon serves on,
        a descriptor sent with the half request is closed."""
        d = self.start()
        other = self.conn()
        before = self.snapshot(other)
        fds0 = len(d.quiet_fds())
        whole = req('vf_mig_state_set', {'pf': 'src', 'vf': 1,
                                         'state': 'STOP'})
        for cut in (1, len(whole) // 2, len(whole) - 3):
            c = self.conn()
            mfd = os.memfd_create('vpfd-net-half')
            try:
                c.send(whole[:cut], fds=[mfd])
            finally:
                os.close(mfd)
            self.assert_serves(other)
            c.close()
        self.assert_serves(other)
        self.assertEqual(self.snapshot(other), before)
        self.assert_no_fd_leak(d, fds0, 'vpfd-net-half')

    def assert_no_fd_leak(self, d, fds0, tag):
        deadline = time.monotonic() + IO_TIMEOUT
        while True:
            now = d.fds()
            held = [t for t in now.values() if tag in t]
            if (len(now) == fds0 and not held) or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(held, [], 'the daemon keeps passed descriptors')
        self.assertEqual(len(now), fds0, 'descriptors before %d, after %r'
                         % (fds0, now))

    def test_never_reads(self):
        """A client that sends requests and never reads its answers is
        dropped (answers queued beyond a bound); others are served
        meanwhile and after."""
        d = self.start()
        other = self.conn()
        before = self.snapshot(other)
        c = self.conn()
        c.s.setblocking(False)
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        chunk = req('vf_get', {'pf': 'src', 'vf': 1}) * 64
        deadline = time.monotonic() + 30
        pending = b''
        sent = 0
        dropped = False
        checked = 0
        while time.monotonic() < deadline:
            if not pending:
                pending = chunk
            try:
                n = c.s.send(pending)
                pending = pending[n:]
                sent += n
            except BlockingIOError:
                select.select([], [c.s], [], 0.05)
            except (BrokenPipeError, ConnectionResetError):
                dropped = True
                break
            if sent > (checked + 1) * (128 << 10):
                checked += 1
                self.assert_serves(other, 'while a client floods')
        self.assertTrue(dropped, 'a client that never reads was not dropped '
                        '(%d bytes of requests sent in 30 s)' % sent)
        self.assertGreater(checked, 0)
        self.assertIn('does not read its answers', d.logtext())
        self.assert_serves(other)
        self.assertEqual(self.snapshot(other), before)
        self.assertIsNone(d.p.poll())

    def test_slow_client(self):
        """A request trickled byte by byte is served, correctly (a string
        with escapes, quotes and braces cut everywhere), and other clients
        are served while it is incomplete."""
        self.start()
        other = self.conn()
        c = self.conn()
        ref = other.result('vf_get', {'pf': 'dst', 'vf': 3})
        data = (b' \n' + req('vf_get', {'pf': 'dst', 'vf': 3}, rid=7) +
                req('pf_get', {'pf': 'src'}, rid='ei\\"}{ght'))
        for i, b in enumerate(data):
            c.send(bytes([b]))
            if i % 20 == 0:
                self.assert_serves(other, 'at byte %d' % i)
            else:
                time.sleep(0.002)
        a = c.line()
        self.assertEqual(a, {'jsonrpc': '2.0', 'id': 7, 'result': ref})
        a = c.line()
        self.assertEqual(a['id'], 'ei\\"}{ght')
        self.assertEqual(a['result']['name'], 'src')
        self.assert_serves(c)

    def test_passed_fds(self):
        """Descriptors with no request, with methods that take none, more
        than the daemon keeps, across several messages: all closed."""
        d = self.start()
        other = self.conn()
        before = self.snapshot(other)
        fds0 = len(d.quiet_fds())
        tag = 'vpfd-net-leak'

        def memfds(n):
            return [os.memfd_create(tag) for _ in range(n)]

        def send(c, data, n):
            fl = memfds(n)
            try:
                c.send(data, fds=fl)
            finally:
                for f in fl:
                    os.close(f)

        c = self.conn()
        send(c, b'\n', 3)                          # no request at all
        send(c, b' ', 1)
        self.assert_serves(c)
        send(c, req('pf_list'), 2)                 # a method taking none
        self.assertEqual(len(c.line()['result']), 2)
        send(c, req('rpc_get_methods'), 8)         # more than it keeps
        self.assertIn('result', c.line())
        send(c, req('nope'), 2)                    # an unknown method
        self.assert_error(c.line(), E_METHOD)
        send(c, req('vf_mig_save_next', {'pf': 'zz', 'vf': 1}), 1)
        self.assert_error(c.line(), E_PARAMS)      # fails before its fd
        send(c, req('vf_mig_save_next', {'pf': 'src', 'vf': 1}), 3)
        self.assert_error(c.line(), -1)            # RUNNING: EPERM
        r, w = os.pipe()                           # not a regular file
        try:
            c.send(req('vf_mig_load', {'pf': 'dst', 'vf': 1, 'bytes': 0}),
                   fds=[r, w])
        finally:
            os.close(r)
            os.close(w)
        self.assert_error(c.line(), E_PARAMS)
        # a partial request with descriptors, completed later
        whole = req('pf_get', {'pf': 'dst'})
        send(c, whole[:10], 2)
        c.send(whole[10:])
        self.assertEqual(c.line()['result']['name'], 'dst')
        send(c, b'{"jsonrpc":"2.0",', 2)           # an invalid request
        c.send(b'"id":3}\n')
        self.assert_error(c.line(), E_REQUEST)
        send(c, b'{]', 2)
        self.assert_error(c.line(), E_PARSE)
        self.assertTrue(c.closed())
        c = self.conn()                            # and a close
        send(c, b'{"jsonrpc":"2.0",', 4)
        c.close()
        self.assert_serves(other)
        self.assertEqual(self.snapshot(other), before)
        Clients.assert_no_fd_leak(self, d, fds0, tag)


# ------------------------------------------------------- many clients -----

class Many(NetCase):

    def test_concurrent_clients(self):
        """100 clients at once, each making several calls (some pipelined)
        on its own connection: every answer correct and in order."""
        d = self.start()
        other = self.conn()
        before = self.snapshot(other)
        methods = other.result('rpc_get_methods')
        errors = []
        barrier = threading.Barrier(100, timeout=IO_TIMEOUT)

        def client(k):
            try:
                c = Conn(d.sock)
                try:
                    barrier.wait()
                    pf = 'src' if k % 2 else 'dst'
                    vf = k % 4 + 1
                    for rnd in range(3):
                        base = k * 100 + rnd * 10
                        c.send(req('pf_get', {'pf': pf}, base) +
                               req('vf_get', {'pf': pf, 'vf': vf}, base + 1)
                               + req('nope', None, base + 2) +
                               req('rpc_get_methods', None, base + 3))
                        a = c.line()
                        assert a['id'] == base and \
                            a['result']['name'] == pf, a
                        a = c.line()
                        assert a['id'] == base + 1 and \
                            a['result']['vf'] == vf and \
                            a['result']['pf'] == pf and \
                            a['result']['state'] == 'RUNNING', a
                        a = c.line()
                        assert a['id'] == base + 2 and \
                            a['error']['code'] == E_METHOD, a
                        a = c.line()
                        assert a['id'] == base + 3 and \
                            a['result'] == methods, a
                        r = c.result('model_digest', {'pf': pf, 'vf': vf},
                                     base + 4)
                        assert r == before[(pf, vf)][1], r
                finally:
                    c.close()
            except Exception as e:      # noqa: B902 - reported below
                errors.append('client %d: %r' % (k, e))

        ts = [threading.Thread(target=client, args=(k,)) for k in range(100)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertFalse(any(t.is_alive() for t in ts))
        self.assertEqual(self.snapshot(other), before)

    def test_connection_limit(self):
        """More than 256 connections at once: the extra ones are closed at
        once, the 256 are served, and after they close the daemon serves
        new ones again with no descriptor left behind."""
        d = self.start()
        fds0 = len(d.quiet_fds())
        total = MAX_CONN + 40
        cs = []
        for _ in range(total):
            cs.append(Conn(d.sock))
            self.conns.append(cs[-1])
        served = refused = 0
        for i, c in enumerate(cs):
            try:
                c.send(req('pf_list', rid=i))
                a = c.line()
            except OSError:
                a = None
            if a is None:
                refused += 1
            else:
                self.assertEqual(a['id'], i)
                self.assertEqual(len(a['result']), 2)
                served += 1
        self.assertEqual(served + refused, total)
        self.assertGreaterEqual(refused, total - MAX_CONN,
                                'more than %d connections served' % MAX_CONN)
        self.assertGreaterEqual(served, MAX_CONN - 2,
                                'the daemon served fewer than %d' % MAX_CONN)
        for c in cs:
            c.close()
        self.conns = []
        deadline = time.monotonic() + IO_TIMEOUT
        while len(d.fds()) != fds0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(d.fds()), fds0)
        # the table is free again: a full one more time
        cs = [self.conn() for _ in range(MAX_CONN)]
        for i, c in enumerate(cs):
            self.assertEqual(c.result('pf_list', rid=i)[0]['name'], 'src')


# ------------------------------------------------------- daemon life ------

class Life(NetCase):

    def test_lock(self):
        """A second vpfd on the same socket exits 1 naming the lock; the
        first keeps its socket and serves on."""
        d = self.start()
        c = self.conn()
        before = self.snapshot(c)
        ino = os.stat(d.sock).st_ino
        d2 = self.start(ready=False, log='second.log')
        rc = d2.wait_exit()
        self.assertEqual(rc, 1, d2.logtext())
        self.assertIn(d.sock + '.lock', d2.logtext())
        self.assertEqual(os.stat(d.sock).st_ino, ino,
                         'the second daemon replaced the socket')
        self.assert_serves(c)
        self.assert_serves(self.conn())
        self.assertEqual(self.snapshot(c), before)

    def test_kill9_restart(self):
        """kill -9 after a migration: a new vpfd on the same socket takes
        the stale socket and the lock back, reads its journal, serves."""
        d = self.start()
        c = self.conn()
        j = c.result('mig_job_start', {'pairs': [
            {'src_pf': 'src', 'src_vf': 1, 'dst_pf': 'dst', 'dst_vf': 2}]})
        deadline = time.monotonic() + 20
        while True:
            g = c.result('mig_job_get', {'job': j['job']})
            if g['done'] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(g['done'], g)
        self.assertEqual(g['rc'], 0, g)
        self.assertTrue(c.result('vf_get', {'pf': 'src', 'vf': 1})
                        ['complete'])
        journal = c.result('pf_get', {'pf': 'src'})['journal']
        self.assertTrue(journal.startswith(d.journal), journal)
        c.close()
        d.p.send_signal(signal.SIGKILL)
        self.assertEqual(d.wait_exit(), -signal.SIGKILL)
        self.assertTrue(os.path.exists(d.sock), 'no stale socket to replace')
        with self.assertRaises(OSError):
            Conn(d.sock).close()
        # serving means the stale file was replaced: bind() fails on an
        # existing path
        d2 = self.start(log='second.log')
        c = self.conn(d2)
        for name in ('src', 'dst'):
            p = c.result('pf_get', {'pf': name})
            self.assertTrue(p['journal'].startswith(d.journal), p)
        self.assertEqual(len(self.snapshot(c)), 8)
        # the lock is the new daemon's
        d3 = self.start(ready=False, log='third.log')
        self.assertEqual(d3.wait_exit(), 1, d3.logtext())
        self.assert_serves(c)
        c.close()
        self.assertEqual(d2.stop(), 0, d2.logtext())

    def test_sigterm(self):
        """SIGTERM: exit status 0, the socket file removed, even with
        clients connected (one in the middle of a request)."""
        d = self.start()
        c = self.conn()
        self.assert_serves(c)
        self.conn().send(b'{"jsonrpc":"2.0","met')
        self.assertEqual(d.stop(), 0, d.logtext())
        self.assertFalse(os.path.exists(d.sock))
        self.assertTrue(c.closed())


# --------------------------------------------------------------- TCP ------

class Tcp(NetCase):

    TOKEN = 'vpfd-net-0123456789abcdef'

    def token_file(self, mode=0o600, text=None, name='token'):
        f = self.path(name)
        with open(f, 'w') as fp:
            fp.write((self.TOKEN if text is None else text) + '\n')
        os.chmod(f, mode)
        return f

    def test_tcp_auth(self):
        """TCP: the first request must be auth with the right token;
        anything else is answered -32001 and closed, and runs nothing."""
        port = free_port()
        self.start(['--listen', 'tcp:127.0.0.1:%d' % port,
                    '--token-file', self.token_file()])
        other = self.conn()
        before = self.snapshot(other)
        addr = ('127.0.0.1', port)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                Conn(tcp=addr).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        # no auth: -32001, closed, the method not run
        for first in (req('pf_list'), req('vf_mig_state_set',
                      {'pf': 'src', 'vf': 1, 'state': 'STOP'}),
                      req('nope'), req('rpc_get_methods')):
            c = Conn(tcp=addr)
            self.conns.append(c)
            c.send(first)
            a = c.line()
            self.assert_error(a, E_AUTH, first.decode())
            self.assertIn('authentication required', a['error']['message'])
            self.assertTrue(c.closed())
        # wrong tokens: closed
        for tok in ('', 'x', self.TOKEN[:-1], self.TOKEN + 'x',
                    self.TOKEN.upper(), 'y' * len(self.TOKEN)):
            c = Conn(tcp=addr)
            self.conns.append(c)
            a = c.call('auth', {'token': tok})
            self.assert_error(a, E_AUTH, 'token %r' % tok)
            self.assertTrue(c.closed(), 'token %r' % tok)
        # a pipelined request after a failed auth is not served
        c = Conn(tcp=addr)
        self.conns.append(c)
        c.send(req('auth', {'token': 'wrong-token-wrong-token'}) +
               req('vf_mig_state_set', {'pf': 'src', 'vf': 2,
                                        'state': 'STOP'}, 2))
        self.assert_error(c.line(), E_AUTH)
        self.assertTrue(c.closed())
        # garbage first: closed
        c = Conn(tcp=addr)
        self.conns.append(c)
        c.send(b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')
        self.assertTrue(c.closed())
        # the right token: served
        c = Conn(tcp=addr)
        self.conns.append(c)
        self.assertIs(c.result('auth', {'token': self.TOKEN}), True)
        self.assert_serves(c)
        self.assertEqual(c.result('vf_get', {'pf': 'src', 'vf': 2}),
                         before[('src', 2)][0])
        # Unix clients need no auth; auth there is accepted and ignored
        self.assertIs(other.result('auth', {'token': 'anything'}), True)
        self.assert_serves(other)
        self.assertEqual(self.snapshot(other), before)

    def test_tcp_unauthenticated(self):
        """TCP clients that never authenticate cannot lock anyone out:
        at most 16 wait for auth at once (more are closed at accept), they
        may send 4 KiB before auth, and are dropped after 5 s; Unix and
        authenticated clients are served throughout."""
        port = free_port()
        self.start(['--listen', 'tcp:127.0.0.1:%d' % port,
                    '--token-file', self.token_file()])
        other = self.conn()
        before = self.snapshot(other)
        addr = ('127.0.0.1', port)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                Conn(tcp=addr).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        # more than 4 KiB before auth: refused and closed
        big = Conn(tcp=addr)
        self.conns.append(big)
        try:
            big.s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"auth",'
                          b'"params":{"token":"' + b'x' * 8192)
        except OSError:
            pass
        self.assertTrue(big.closed())
        idle = []
        for _ in range(40):
            c = Conn(tcp=addr)
            self.conns.append(c)
            idle.append(c)
        waiting = [c for c in idle if not c.closed(timeout=0.2)]
        self.assertLessEqual(len(waiting), 16)
        self.assertGreaterEqual(len(waiting), 8)
        # the Unix socket is served while the slots wait
        self.assert_serves(self.conn())
        # the idle ones are dropped after the deadline
        time.sleep(5.5)
        for c in waiting:
            self.assertTrue(c.closed(timeout=1), 'idle TCP client kept')
        c = Conn(tcp=addr)
        self.conns.append(c)
        self.assertIs(c.result('auth', {'token': self.TOKEN}), True)
        self.assert_serves(c)
        self.assertEqual(self.snapshot(other), before)

    def test_tcp_ipv6(self):
        """--listen tcp:[::1]:PORT: the brackets are URL syntax, the
        daemon listens on the IPv6 loopback."""
        try:
            probe = socket.socket(socket.AF_INET6)
            probe.bind(('::1', 0))
            port = probe.getsockname()[1]
            probe.close()
        except OSError:
            self.skipTest('no IPv6 loopback')
        self.start(['--listen', 'tcp:[::1]:%d' % port,
                    '--token-file', self.token_file()])
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            s6 = socket.socket(socket.AF_INET6)
            s6.settimeout(IO_TIMEOUT)
            try:
                s6.connect(('::1', port))
                break
            except OSError:
                s6.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        s6.sendall(req('auth', {'token': self.TOKEN}) + req('pf_list', rid=2))
        got = b''
        while got.count(b'\n') < 2:
            chunk = s6.recv(65536)
            if not chunk:
                break
            got += chunk
        s6.close()
        answers = [json.loads(x) for x in got.splitlines()]
        self.assertIs(answers[0]['result'], True)
        self.assertEqual(answers[1]['result'][0]['name'], 'src')

    def test_tcp_startup_errors(self):
        """A token file others can read, or a short token: exit 1 before
        serving; --listen without --token-file: usage error, exit 2."""
        port = free_port()
        listen = ['--listen', 'tcp:127.0.0.1:%d' % port]
        for what, extra, rc in (
                ('mode 0644', ['--token-file',
                               self.token_file(0o644, name='t644')], 1),
                ('mode 0640', ['--token-file',
                               self.token_file(0o640, name='t640')], 1),
                ('short token', ['--token-file',
                                 self.token_file(text='short-token',
                                                 name='tshort')], 1),
                ('no token file', ['--token-file', self.path('none')], 1),
                ('no --token-file', [], 2)):
            with self.subTest(what=what):
                d = self.start(listen + extra, ready=False,
                               log='%s.log' % what.replace(' ', '_'))
                self.assertEqual(d.wait_exit(), rc, d.logtext())
                self.assertFalse(os.path.exists(d.sock), what)
                s = socket.socket()
                self.assertNotEqual(s.connect_ex(('127.0.0.1', port)), 0,
                                    what)
                s.close()
                self.assertIn('--token-file' if rc == 2 else 'token',
                              d.logtext())
        # the same file made private: served
        f = self.token_file(0o644, name='t644')
        os.chmod(f, 0o600)
        d = self.start(listen + ['--token-file', f])
        c = Conn(tcp=('127.0.0.1', port))
        self.conns.append(c)
        self.assertIs(c.result('auth', {'token': self.TOKEN}), True)


def cases():
    loader = unittest.TestLoader()
    out = []
    for cls in (Malformed, Clients, Many, Life, Tcp):
        for name in loader.getTestCaseNames(cls):
            out.append('%s.%s' % (cls.__name__, name))
    return out


def main():
    if len(sys.argv) == 2 and sys.argv[1] == '--list':
        print('\n'.join(cases()))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in cases():
        print('usage: vpfd_net_test.py --list | CASE', file=sys.stderr)
        return 2
    suite = unittest.TestLoader().loadTestsFromName(sys.argv[1],
                                                    sys.modules[__name__])
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    if res.wasSuccessful() and len(res.skipped) == res.testsRun:
        return SKIP
    return 0 if res.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
