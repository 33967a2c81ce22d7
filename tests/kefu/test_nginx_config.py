"""The nginx config docs/deploy.md shows is the one kefu/nginx.py writes (and the suite runs)."""
import re

from kefu.config import PROJECT_ROOT
from kefu.nginx import site_config, standalone_config

DOC = PROJECT_ROOT / "docs" / "deploy.md"
DOCUMENTED = (["127.0.0.1:5001", "127.0.0.1:5002"], "80", "kefu.example.com")


def test_the_documented_config_is_the_generated_one():
    upstreams, listen, name = DOCUMENTED
    blocks = re.findall(r"```nginx\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks == [site_config(upstreams, listen=listen, server_name=name)]


def test_kefu_nginx_config_prints_it(app):
    upstreams, listen, name = DOCUMENTED
    result = app.test_cli_runner().invoke(args=[
        "nginx-config", "--upstream", upstreams[0], "--upstream", upstreams[1],
        "--server-name", name])
    assert result.exit_code == 0, result.output
    assert result.output == site_config(upstreams, listen=listen, server_name=name)


def test_the_standalone_config_keeps_every_path_under_its_prefix():
    """So nginx runs without root: nothing under /var, no port below 1024."""
    conf = standalone_config("/tmp/x", ["127.0.0.1:5001"], 8080)
    paths = re.findall(r"\s(/\S+);", conf)
    assert paths and all(p.startswith("/tmp/x/") for p in paths), paths
    assert "listen 127.0.0.1:8080;" in conf and "hash $remote_addr consistent;" in conf
