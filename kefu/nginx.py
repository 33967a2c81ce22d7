"""The nginx configuration kefu is deployed behind: one address for N ``kefu run`` processes.

One function writes it, so the config in docs/deploy.md (``kefu nginx-config``) is the one
the suite starts a real nginx with (tests/nginx.py, tests/kefu/test_nginx_scaleout.py) and
the one ``benchmarks/load.py --servers kefu-pg2-nginx`` measures.  Framework-free: the
tests and the benchmark import it without an app.

What each part is for:

- ``hash $remote_addr consistent``: Socket.IO's long-polling transport is a series of
  HTTP requests that must all reach the process holding the Engine.IO session (another
  process answers ``400 Invalid session``), so a client sticks to one upstream by its
  address.  Not ``ip_hash``: that hashes only the first three bytes of an IPv4 address,
  so a whole /24 (a campus, a NAT pool, every loopback client of a test) would land on
  one process.  ``consistent`` (ketama) moves only about 1/N of the clients when a
  process is added or removed.  A websocket is one connection and needs no stickiness,
  but the widget falls back to polling, so every request goes through the same hash.
- ``max_fails=1 fail_timeout=5s``: a process that fails is left out for 5 s, and its
  clients (who reconnect by themselves) are hashed to the others.
- ``proxy_http_version 1.1`` with ``Upgrade``/``Connection`` passed on: the websocket
  handshake (``map $http_upgrade``: ``Connection: upgrade`` only when the client asked).
- ``proxy_read_timeout``: nginx cuts an upstream connection that says nothing for this
  long.  Engine.IO pings every ``ping_interval`` (25 s) and a long-poll is held at most
  that long, so anything above ``ping_interval + ping_timeout`` (45 s) never cuts a live
  client; 75 s leaves room for a busy process.
- ``Host $http_host``: the host *with* its port, as the browser sent it.  kefu compares a
  page's ``Origin`` with the request's host before it lets the page open ``/agent``
  (cross-site websocket hijacking); nginx's ``$host`` drops the port, so on any port
  but 80/443 every agent socket would be refused ``bad_origin``.
- ``X-Forwarded-For $proxy_add_x_forwarded_for`` (appended, so a client cannot replace
  it) and ``X-Forwarded-Proto``: kefu believes them only with ``KEFU_TRUSTED_PROXIES``
  set to the number of proxies that append (1 for this nginx alone), so rate limits and
  login sessions see the client's address and reset links keep ``https``.
- ``client_max_body_size``: a polling POST carries a whole Socket.IO frame, up to kefu's
  ``MAX_FRAME_BYTES`` (1 MB); nginx's default (1 MB) would answer the largest ``413``.
- ``proxy_buffering off`` on ``/socket.io/``: a long-poll's answer goes out as soon as
  kefu writes it instead of through nginx's buffers.
"""

#: Above Engine.IO's ping_interval + ping_timeout (25 + 20 s), see the module docstring.
READ_TIMEOUT_SECONDS = 75
#: A polling POST holds one frame (MAX_FRAME_BYTES, 1 MB by default) plus its envelope.
MAX_BODY = "2m"


def site_config(upstreams, listen="80", server_name="_") -> str:
    """The ``http``-level part: the ``map``, the ``upstream`` of kefu processes, the ``server``.

    ``upstreams``: ``host:port`` of every ``kefu run`` process.  Goes into
    ``/etc/nginx/conf.d/kefu.conf`` (Debian's nginx includes that folder in ``http``).
    """
    if not upstreams:
        raise ValueError("at least one kefu process (host:port) is needed")
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    proxy = f"""\
        proxy_pass http://kefu;
        proxy_http_version 1.1;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout {READ_TIMEOUT_SECONDS}s;
        proxy_send_timeout {READ_TIMEOUT_SECONDS}s;"""
    return f"""\
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}

upstream kefu {{
    hash $remote_addr consistent;
{servers}
}}

server {{
    listen {listen};
    server_name {server_name};

    location /socket.io/ {{
{proxy}
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_buffering off;
        client_max_body_size {MAX_BODY};
    }}

    location / {{
{proxy}
    }}
}}
"""


def standalone_config(prefix, upstreams, port, host="127.0.0.1", workers="auto") -> str:
    """A whole ``nginx.conf`` around :func:`site_config` that any user can run.

    For ``nginx -p PREFIX -c PREFIX/nginx.conf -g 'daemon off;'``: the pid file, the logs
    and every temporary folder are under ``prefix`` (nginx's compiled-in ones are under
    /var, which only root may write), and it listens on ``host:port``.  The tests and
    the benchmark run this; a server uses Debian's ``/etc/nginx/nginx.conf`` instead.
    """
    temp = "\n".join(f"    {kind}_temp_path {prefix}/tmp/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    site = "\n".join(f"    {line}" if line else "" for line in
                     site_config(upstreams, listen=f"{host}:{port}").splitlines())
    return f"""\
worker_processes {workers};
worker_rlimit_nofile 40000;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections 16384;
}}

http {{
    access_log off;
{temp}

{site}
}}
"""
