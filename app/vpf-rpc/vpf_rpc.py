#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vpf authors
"""vpf-rpc: call one JSON-RPC 2.0 method of vpfd (doc/vpfd.md).

    vpf-rpc [-s SOCKET] [--tcp HOST:PORT --token-file FILE] [--fd PATH]...
            [-t TIMEOUT] METHOD [key=value ...]

Each key=value becomes a member of the request's params object; the value
is taken as JSON when it parses as JSON (vf=1 -> 1, serial=true -> true,
pairs='[{...}]' -> an array) and as a string otherwise (pf=src -> "src"),
except that a number with a fraction or an exponent stays a string
(dialect=1.4 -> "1.4").
The result is printed as JSON (indent 2) and the exit status is 0; an error
answer is printed to stderr and the exit status is 1. Usage errors exit 2,
a daemon that cannot be reached 3, a connection that gives no answer
(closed, timed out, not JSON-RPC) 4.

The module is importable too (the tests use it): VpfRpcClient keeps one
connection open, so that a VF it moved out of RUNNING stays held by it
until it brings it back or closes.

    c = VpfRpcClient('/var/tmp/vpf.sock')
    c.call('pf_list')
    c.call('vf_mig_save_next', {'pf': 'src', 'vf': 1}, fd=memfd)

Standard library only (Python 3.9 or later: socket.send_fds).
"""

import argparse
import json
import os
import socket
import sys
import time

DEFAULT_SOCKET = '/var/tmp/vpf.sock'
DEFAULT_TIMEOUT = 60.0
# The daemon refuses a request larger than this (and closes the
# connection): refuse it here with a clear message instead.
REQUEST_MAX = 1 << 20

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECT = 3
EXIT_NO_ANSWER = 4


class VpfRpcError(Exception):
    """An error answer: .code (a JSON-RPC code or a negative errno),
    .message, .data (an object or None), .errno (data.errno or None)."""

    def __init__(self, code, message, data=None):
        self.code = code
        self.message = message
        self.data = data
        self.errno = data.get('errno') if isinstance(data, dict) else None
        super().__init__('%s (code %s%s)' % (
            message, code, ', ' + self.errno if self.errno else ''))


class VpfRpcConnectError(OSError):
    """The daemon could not be reached (no socket, refused, ...)."""


class VpfRpcProtocolError(Exception):
    """The connection gave no usable answer: closed, timed out, or not a
    JSON-RPC response to the request."""


def parse_tcp(spec):
    """'HOST:PORT', '[v6]:PORT' or ':PORT' (loopback) -> (host, port)."""
    host, sep, port = spec.rpartition(':')
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError('--tcp wants HOST:PORT, not %r' % spec)
    if host.startswith('[') and host.endswith(']'):
        host = host[1:-1]
    return host or '127.0.0.1', int(port)


def read_token(path):
    """The token of a token file as vpfd reads it: the first line without
    its trailing newline, carriage return and spaces."""
    with open(path, 'r') as fp:
        return fp.readline().rstrip('\r\n ')


class VpfRpcClient:
    """One connection to vpfd.

    @path: Unix socket path (default $VPF_RPC_SOCKET or /var/tmp/vpf.sock),
    or @tcp=(host, port) with @token (sent as the first request, `auth`).
    @timeout: seconds for connecting and for each answer (None: forever).
    """

    def __init__(self, path=None, tcp=None, token=None,
                 timeout=DEFAULT_TIMEOUT):
        self.next_id = 1
        self.buf = b''
        self.timeout = timeout
        self.unix = tcp is None
        if self.unix:
            path = path or os.environ.get('VPF_RPC_SOCKET') or DEFAULT_SOCKET
            self.where = path
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr = path
        else:
            self.where = '%s:%d' % tcp
            self.sock = None
            addr = None
        try:
            if self.unix:
                self.sock.settimeout(timeout)
                self.sock.connect(addr)
            else:
                self.sock = socket.create_connection(tcp, timeout=timeout)
        except OSError as e:
            if self.sock is not None:
                self.sock.close()
            raise VpfRpcConnectError(e.errno, 'cannot connect to %s: %s'
                                     % (self.where, e.strerror or e)) from e
        if not self.unix and token is not None:
            self.call('auth', {'token': token})

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data, fds=()):
        """Send raw request bytes, @fds (ints) as SCM_RIGHTS on the same
        sendmsg() as the first bytes (the daemon takes them with that
        request)."""
        if fds:
            if not self.unix:
                raise ValueError('file descriptors travel on Unix '
                                 'sockets only')
            n = socket.send_fds(self.sock, [data], list(fds))
            data = data[n:]
        if data:
            self.sock.sendall(data)

    def recv_value(self):
        """The next JSON value the daemon sends (an answer ends with
        "\\n"; the value is whatever raw_decode() takes)."""
        dec = json.JSONDecoder()
        deadline = None if self.timeout is None else \
            time.monotonic() + self.timeout
        while True:
            text = self.buf.lstrip()
            if text and b'\n' in text:
                try:
                    s = text.decode('utf-8')
                    obj, end = dec.raw_decode(s)
                except (UnicodeDecodeError, ValueError):
                    pass    # incomplete (or garbage: the read will tell)
                else:
                    self.buf = s[end:].encode('utf-8')
                    return obj
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise VpfRpcProtocolError('no answer from %s within %g s'
                                              % (self.where, self.timeout))
                self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise VpfRpcProtocolError('no answer from %s within %g s'
                                          % (self.where, self.timeout))
            except OSError as e:
                raise VpfRpcProtocolError('%s: %s' % (self.where, e))
            if not chunk:
                if self.buf.strip():
                    raise VpfRpcProtocolError(
                        '%s closed the connection after a partial or '
                        'malformed answer: %r' % (self.where, self.buf[:200]))
                raise VpfRpcProtocolError('%s closed the connection without '
                                          'an answer' % self.where)
            self.buf += chunk

    def call_raw(self, method, params=None, fd=None):
        """Send one request and return the whole response object."""
        rid = self.next_id
        self.next_id += 1
        req = {'jsonrpc': '2.0', 'method': method, 'id': rid}
        if params is not None:
            req['params'] = params
        data = (json.dumps(req) + '\n').encode('utf-8')
        if len(data) > REQUEST_MAX:
            raise ValueError('request of %d bytes: the daemon takes at most %d'
                             % (len(data), REQUEST_MAX))
        if fd is None:
            fds = []
        elif isinstance(fd, int):
            fds = [fd]
        else:
            fds = list(fd)
        try:
            self.send(data, fds)
        except OSError as e:
            raise VpfRpcProtocolError('%s: sending: %s' % (self.where, e))
        resp = self.recv_value()
        if not isinstance(resp, dict) or resp.get('jsonrpc') != '2.0' or \
           ('result' in resp) == ('error' in resp):
            raise VpfRpcProtocolError('not a JSON-RPC 2.0 response: %r'
                                      % (resp,))
        # an error about a request the daemon could not read has a null id
        if resp.get('id') != rid and \
           ('result' in resp or resp.get('id') is not None):
            raise VpfRpcProtocolError('answer to id %r, expected %d'
                                      % (resp.get('id'), rid))
        return resp

    def call(self, method, params=None, fd=None):
        """Call @method with @params (a dict, or None for none) and @fd (an
        int, a list of ints, or None) passed with the request. Returns the
        result; raises VpfRpcError for an error answer."""
        resp = self.call_raw(method, params, fd)
        if 'error' in resp:
            err = resp['error']
            if not isinstance(err, dict):
                raise VpfRpcProtocolError('malformed error: %r' % (err,))
            raise VpfRpcError(err.get('code'), err.get('message', ''),
                              err.get('data'))
        return resp['result']


def parse_value(text):
    """A command-line value: JSON when it parses as JSON, else the text;
    but a number with a fraction or an exponent stays the text (vpfd has
    no such parameter, and dialect=1.4 means the dialect "1.4")."""
    try:
        v = json.loads(text)
    except ValueError:
        return text
    return text if isinstance(v, float) else v


def parse_params(args):
    """['k=v', ...] -> dict, or raise ValueError with the reason."""
    params = {}
    for a in args:
        key, sep, val = a.partition('=')
        if not sep or not key:
            raise ValueError('parameter %r is not key=value' % a)
        if key in params:
            raise ValueError('parameter %r given twice' % key)
        params[key] = parse_value(val)
    return params


def build_parser():
    p = argparse.ArgumentParser(
        prog='vpf-rpc',
        description='Call a JSON-RPC 2.0 method of vpfd and print its result '
                    'as JSON. `vpf-rpc rpc_get_methods` lists the methods; '
                    'doc/vpfd.md describes them.',
        epilog='Values are JSON when they parse as JSON, strings otherwise: '
               'vf=1 is 1, pf=src is "src", pairs=\'[{"src_pf":"src",...}]\' '
               'is an array; a number with a fraction or exponent stays a '
               'string (dialect=1.4); quote a string that looks like JSON: '
               'name=\'"123"\'. Exit status: 0 result, 1 error answer, '
               '2 usage, 3 cannot connect, 4 no answer.')
    p.add_argument('-s', '--socket', metavar='SOCKET',
                   help='Unix socket of vpfd (default $VPF_RPC_SOCKET or %s)'
                        % DEFAULT_SOCKET)
    p.add_argument('--tcp', metavar='HOST:PORT',
                   help="vpfd's TCP listener (--listen) instead of the socket")
    p.add_argument('--token-file', metavar='FILE',
                   help='token sent with `auth` first on --tcp')
    p.add_argument('--fd', metavar='PATH', action='append', default=[],
                   help='open PATH (read-write, created if missing) and pass '
                        'its descriptor with the request (vf_mig_save_next, '
                        'vf_mig_load); Unix socket only; repeatable')
    p.add_argument('-t', '--timeout', metavar='SECONDS', type=float,
                   default=DEFAULT_TIMEOUT,
                   help='seconds to wait for the connection and the answer '
                        '(default %g; 0: forever)' % DEFAULT_TIMEOUT)
    p.add_argument('method', metavar='METHOD', help='method name')
    p.add_argument('params', metavar='key=value', nargs='*',
                   help='params members')
    return p


def main(argv=None):
    parser = build_parser()
    a = parser.parse_args(argv)     # exits 2 on a usage error

    def usage(msg):
        parser.print_usage(sys.stderr)
        print('vpf-rpc: error: %s' % msg, file=sys.stderr)
        return EXIT_USAGE

    try:
        params = parse_params(a.params)
    except ValueError as e:
        return usage(str(e))
    tcp = token = None
    if a.tcp is not None:
        if a.socket is not None:
            return usage('-s and --tcp exclude each other')
        if a.fd:
            return usage('--fd needs the Unix socket (SCM_RIGHTS), not --tcp')
        try:
            tcp = parse_tcp(a.tcp)
        except ValueError as e:
            return usage(str(e))
        if a.token_file is None:
            return usage('--tcp needs --token-file')
    elif a.token_file is not None:
        return usage('--token-file goes with --tcp')
    if a.timeout < 0:
        return usage('a negative timeout')
    timeout = a.timeout if a.timeout > 0 else None
    if a.token_file is not None:
        try:
            token = read_token(a.token_file)
        except OSError as e:
            return usage('token file: %s' % e)

    fds = []
    try:
        for path in a.fd:
            try:
                fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError as e:
                return usage('--fd %s: %s' % (path, e.strerror))
        try:
            client = VpfRpcClient(a.socket, tcp=tcp, token=None,
                                  timeout=timeout)
        except VpfRpcConnectError as e:
            print('vpf-rpc: %s' % e.strerror, file=sys.stderr)
            return EXIT_CONNECT
        with client:
            try:
                if token is not None:
                    client.call('auth', {'token': token})
                result = client.call(a.method, params if params else None,
                                     fd=fds or None)
            except VpfRpcError as e:
                print('vpf-rpc: %s: error %s: %s%s'
                      % (a.method, e.code, e.message,
                         ' (%s)' % e.errno if e.errno else ''),
                      file=sys.stderr)
                return EXIT_ERROR
            except VpfRpcProtocolError as e:
                print('vpf-rpc: %s: %s' % (a.method, e), file=sys.stderr)
                return EXIT_NO_ANSWER
            except ValueError as e:
                return usage(str(e))
    finally:
        for fd in fds:
            os.close(fd)
    print(json.dumps(result, indent=2))
    return EXIT_OK


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
