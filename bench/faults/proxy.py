"""nginx as deploy/nginx ships it (only paths, ports and the certificate changed), in front of the app under test:
what production puts between slow clients and gunicorn's sync workers."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from bench.faults.client import call

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SERVER_NAME = "registry.example.org"


def _certificate(folder):
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={SERVER_NAME}"], check=True, capture_output=True, timeout=60)
    return key, cert


def _config(folder, *, app_port, http_port, https_port, static):
    key, cert = _certificate(folder)
    conf = folder / "beco"
    conf.mkdir(exist_ok=True)
    replacements = {
        "/etc/nginx/beco/": f"{conf}/", "/var/cache/nginx/beco-tiles": str(folder / "cache"),
        "/srv/beco/static/": f"{static}/", "/srv/beco/media/": f"{folder / 'media'}/",
        "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}", "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        f"/etc/letsencrypt/live/{SERVER_NAME}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{SERVER_NAME}/privkey.pem": str(key),
    }
    for name in ("http.conf", "locations.conf", "registry.conf"):
        text = (REPO / "deploy" / "nginx" / name).read_text()
        for old, new in replacements.items():
            text = text.replace(old, new)
        (conf / name).write_text(text)
    temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
    main = folder / "nginx.conf"
    main.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
error_log {folder}/error.log warn;
pid {folder}/nginx.pid;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    {temp}
    include {conf}/registry.conf;
}}
""")
    return main


class Nginx:
    def __init__(self, folder, *, app_port, static, ports):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "media").mkdir(exist_ok=True)
        self.http_port, self.https_port = ports
        self.main = _config(self.folder, app_port=app_port, http_port=self.http_port, https_port=self.https_port,
                            static=static)
        self.process = None

    def __enter__(self):
        checked = subprocess.run([NGINX, "-t", "-p", str(self.folder), "-c", str(self.main)], capture_output=True,
                                 text=True, timeout=30)
        if checked.returncode:
            raise RuntimeError(checked.stderr)
        self.process = subprocess.Popen([NGINX, "-p", str(self.folder), "-c", str(self.main), "-g", "daemon off;"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                call(f"http://127.0.0.1:{self.http_port}", "GET", "/health/", headers={"Host": SERVER_NAME}, timeout=2)
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("nginx did not answer within 15 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
