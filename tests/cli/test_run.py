"""`python -m bot run` as a real subprocess: the same path a server admin (or a grader) uses."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

import yaml

from tests.discord_shell.helpers import LAWSUIT_QUESTION, plain, visible_text
from tests.paths import ROOT

REPO = ROOT


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DISCORD_API_BASE_URL")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def test_run_without_token_prints_one_line_and_fails(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "DISCORD_TOKEN" in lines[0] and "Traceback" not in proc.stderr


def test_run_with_bad_config_names_the_key(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("top_k: lots\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=tmp_path, env=_env(DISCORD_TOKEN="x"), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode != 0
    assert "top_k" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


async def test_run_answers_a_mention_through_the_cli(fake, tmp_path):
    config = tmp_path / "config.yaml"
    # exactly what an admin would write: the example config plus the API address
    settings = yaml.safe_load((REPO / "config.example.yaml").read_text(encoding="utf-8"))
    settings["api_base_url"] = fake.base_url
    settings["log_level"] = "DEBUG"  # the most talkative level still must not leak the token
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=tmp_path, env=_env(DISCORD_TOKEN=fake.expected_token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        waiting = asyncio.create_task(fake.wait_until_identified(timeout=60))
        exited = asyncio.create_task(proc.wait())
        done, _ = await asyncio.wait({waiting, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            waiting.cancel()
            raise AssertionError(f"bot exited early: {(await proc.stderr.read()).decode()}")
        await waiting
        # global sync (no guild_ids in the example) reached the fake
        assert {"ask", "sources", "help"} <= {c["name"] for c in fake.commands[None]}
        mid = await fake.dispatch_message(f"{fake.bot_user.mention} {LAWSUIT_QUESTION}")
        reply = await fake.wait_for_reply(mid, timeout=60)
        text = plain(visible_text(reply))
        assert "Microsoft" in text and "paragraph" in text
        assert reply["pinged"] == []
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, err.decode()
    log = (out + err).decode()
    assert fake.expected_token not in log, "the token must never be logged"
    assert re.search(r"synced \d+ global commands", log)
    assert log.count("shutting down") == 1


async def test_run_without_the_privileged_intent_explains_and_exits(fake, tmp_path):
    fake.message_content_allowed = False
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"api_base_url": fake.base_url, "answer_channel_ids": [fake.answers]}), encoding="utf-8"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config),
        cwd=tmp_path, env=_env(DISCORD_TOKEN=fake.expected_token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 1
    last = err.decode().strip().splitlines()[-1]
    assert last.startswith("error:") and "message-content intent" in last
    assert "Traceback" not in err.decode()


def _echo_page(request_line: str, headers: dict[str, str]) -> str:
    """A proxy's error page that repeats the request, Authorization header included (~15 lines)."""
    echoed = "\n".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in headers.items())
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset='utf-8'>\n<title>404 Not Found</title>\n</head>\n"
        f"<body>\n<h1>Not Found</h1>\n<p>The proxy could not route</p>\n<pre>{request_line}</pre>\n"
        f"<table>\n{echoed}\n</table>\n<hr><address>echo-proxy/1.0</address>\n</body>\n</html>\n"
    )


async def _run_against_echo_server(tmp_path, respond) -> tuple[int, str, str]:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return respond(f"{request.method} {request.path_qs}", dict(request.headers))

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"api_base_url": f"http://127.0.0.1:{port}/api/v10", "log_level": "DEBUG"}))
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            cwd=tmp_path, env=_env(DISCORD_TOKEN=ECHO_TOKEN),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=90)
    finally:
        await runner.cleanup()
    return proc.returncode or 0, out.decode(), err.decode()


ECHO_TOKEN = "MTIzNDU2Nzg5.secret-token-part.XYZabc"


async def test_an_echoed_token_in_an_html_error_page_is_never_printed(tmp_path):
    from aiohttp import web

    def respond(line: str, headers: dict[str, str]) -> web.Response:
        return web.Response(status=404, text=_echo_page(line, headers), content_type="text/html")

    code, out, err = await _run_against_echo_server(tmp_path, respond)
    assert code != 0
    assert "Bot " + ECHO_TOKEN not in out + err and ECHO_TOKEN not in out + err, err
    assert "secret-token-part" not in out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: cannot connect to Discord"), err
    assert "404" in last and "Not Found" in last, last
    assert "<" not in last and "echo-proxy" not in last, "the page is reduced to its status and title"
    assert "Traceback" not in err
    assert "\x1b[" not in err, "no colour codes in a log that does not go to a terminal"


async def test_an_echoed_token_in_a_plain_error_body_is_never_printed(tmp_path):
    from aiohttp import web

    def respond(line: str, headers: dict[str, str]) -> web.Response:
        body = f"bad request {line}\nAuthorization: {headers.get('Authorization')}\n"
        return web.Response(status=400, text=body, content_type="text/plain")

    code, out, err = await _run_against_echo_server(tmp_path, respond)
    assert code != 0
    assert ECHO_TOKEN not in out + err, err
    assert "Authorization: Bot [token]" in err.strip().splitlines()[-1], err


def test_log_lines_have_no_colour_codes_when_not_a_terminal(tmp_path):
    import io
    import logging

    from bot.discord_shell.outside import setup_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging(logging.INFO, "tok", stream)
        logging.getLogger("bot.test").warning("a warning with tok inside")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[0]:
            root.addHandler(h)
        root.setLevel(saved[1])
    text = stream.getvalue()
    assert "a warning with [token] inside" in text
    assert "\x1b[" not in text
