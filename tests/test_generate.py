"""pet2rep-generate: manifests, the openai backend against a real local HTTP server (through the
real openai client), resume after SIGKILL, template backend, bad manifests."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from pet2rep_metrics.cli import generate_app, score_app
from pet2rep_metrics.runner.manifest import ManifestError, read_manifest

pytest.importorskip("openai", reason="the openai backend needs the openai package")
runner = CliRunner()
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


class _Handler(BaseHTTPRequestHandler):
    calls: ClassVar[dict[str, int]] = {}
    delay = 0.0

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        parts = body["messages"][-1]["content"]
        text = " ".join(p["text"] for p in parts if p["type"] == "text")
        images = sum(p["type"] == "image_url" for p in parts)
        marker = text.strip().split()[-1]
        _Handler.calls[marker] = _Handler.calls.get(marker, 0) + 1
        if "FAILONCE" in text and _Handler.calls[marker] == 1:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "scripted transient failure"}}')
            return
        if "SLOW" in text:
            time.sleep(3)
        elif _Handler.delay:
            time.sleep(_Handler.delay)
        reply = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": f"肝脏FDG摄取增高。 [{marker}, {images} images]",
                    },
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    _Handler.calls = {}
    _Handler.delay = 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def _manifest(tmp_path: Path, prompts: list[str]) -> Path:
    (tmp_path / "img").mkdir()
    rows = []
    for k, prompt in enumerate(prompts):
        image = tmp_path / "img" / f"c{k}.png"
        image.write_bytes(PNG)
        rows.append(
            {
                "id": f"c{k}",
                "images": [f"img/c{k}.png", f"img/c{k}.png"],
                "prompt": f"<image><image>{prompt}",
                "reference": "肝脏FDG摄取增高。",
            }
        )
    return _write_rows(tmp_path / "manifest.jsonl", rows)


def test_openai_backend_canned_transient_and_timeout(tmp_path, server):
    manifest = _manifest(tmp_path, ["case alpha", "FAILONCE case beta", "SLOW case gamma"])
    out = tmp_path / "preds.jsonl"
    args = [
        str(manifest),
        "-o",
        str(out),
        "--backend",
        "openai",
        "--model",
        "toy",
        "--base-url",
        server,
        "--timeout",
        "1",
        "--retries",
        "1",
        "--concurrency",
        "2",
    ]
    result = runner.invoke(generate_app, args)
    assert result.exit_code == 1, result.output  # the slow case failed
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert (
        rows["c0"]["text"].endswith("[alpha, 2 images]")
        and rows["c0"]["backend"] == "openai"
        and rows["c0"]["model"] == "toy"
    )
    assert (
        rows["c1"]["text"].endswith("[beta, 2 images]") and _Handler.calls["beta"] == 2
    )  # retried after the 500
    assert "Timeout" in rows["c2"]["error"] and rows["c2"]["text"] == ""
    assert rows["c0"]["params"]["temperature"] == 0.0 and rows["c0"]["latency_s"] >= 0
    # --resume retries only the failed case; every id stays exactly once
    _Handler.delay = 0.0
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("SLOW case gamma", "case gamma"),
        encoding="utf-8",
    )
    result = runner.invoke(generate_app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == ["c0", "c1", "c2"]
    assert _Handler.calls["alpha"] == 1


def test_resume_after_sigkill(tmp_path, server):
    manifest = _manifest(tmp_path, [f"case k{k}" for k in range(12)])
    out = tmp_path / "preds.jsonl"
    _Handler.delay = 0.25
    code = "import sys; from pet2rep_metrics.cli import generate_app; sys.argv[0] = 'pet2rep-generate'; generate_app()"
    args = [
        str(manifest),
        "-o",
        str(out),
        "--backend",
        "openai",
        "--model",
        "toy",
        "--base-url",
        server,
        "--concurrency",
        "1",
    ]
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 60
    while time.time() < deadline and (
        not out.exists() or out.read_text(encoding="utf-8").count("\n") < 4
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = out.read_text(encoding="utf-8").count("\n")
    assert 4 <= before < 12
    with out.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "c11", "text": "torn')  # what a kill in the middle of a write leaves
    _Handler.delay = 0.0
    result = subprocess.run(
        [sys.executable, "-c", code, *args, "--resume"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]  # every line parses
    assert sorted(ids) == sorted(f"c{k}" for k in range(12))


def test_bad_manifest_rows_are_all_reported_before_any_request(tmp_path, server):
    (tmp_path / "ok.png").write_bytes(PNG)
    (tmp_path / "fake.png").write_text("not an image", encoding="utf-8")
    rows = [
        {"id": "a", "images": ["ok.png"]},
        {"images": ["ok.png"]},
        {"id": "a", "images": ["ok.png"]},
        {"id": "b", "images": ["missing.png"]},
        {"id": "c", "images": ["fake.png"]},
        {"id": "d"},
    ]
    manifest = _write_rows(tmp_path / "m.jsonl", rows)
    with pytest.raises(ManifestError) as info:
        read_manifest(manifest)
    assert len(info.value.problems) == 5
    out = tmp_path / "p.jsonl"
    result = runner.invoke(
        generate_app,
        [
            str(manifest),
            "-o",
            str(out),
            "--backend",
            "openai",
            "--model",
            "toy",
            "--base-url",
            server,
        ],
    )
    assert result.exit_code == 2
    for fragment in (
        "line 2: no id",
        "line 3: duplicate id 'a'",
        "missing.png: file not found",
        "fake.png: not a PNG",
        "line 6 (d): no images",
    ):
        assert fragment in result.output
    assert _Handler.calls == {} and not out.exists()


def test_template_backend_and_score_against_manifest(tmp_path):
    (tmp_path / "x.png").write_bytes(PNG)
    pet2rep_prompt = "<image><image><image>请书写报告，格式如下：影像所见：脑形态、结构正常，FDG摄取未见明显异常。"
    rows = [
        {
            "patient_id": "p1",
            "prompt_system": "你是医生",
            "prompt_user_text": pet2rep_prompt,
            "prompt_image_fuse": ["x.png"] * 3,
            "answer": "脑FDG摄取未见异常。",
        },
        {"id": "p2", "images": ["x.png"], "reference": "肝脏FDG摄取增高。"},
    ]
    manifest = _write_rows(tmp_path / "m.jsonl", rows)
    out = tmp_path / "p.jsonl"
    result = runner.invoke(generate_app, [str(manifest), "-o", str(out), "--backend", "template"])
    assert result.exit_code == 0, result.output
    rows_out = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows_out["p1"]["text"].startswith("影像所见：脑形态")  # the prompt's own example report
    assert rows_out["p2"]["text"].startswith("影像所见")  # the project's default template
    result = runner.invoke(generate_app, [str(manifest), "-o", str(out), "--backend", "template"])
    assert result.exit_code == 2 and "--resume" in result.output  # never overwrites silently
    result = runner.invoke(score_app, [str(out), str(manifest), "--metrics", "bleu,ce"])
    assert result.exit_code == 0, result.output


def test_missing_api_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    (tmp_path / "x.png").write_bytes(PNG)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"id": "a", "images": ["x.png"]}) + "\n", encoding="utf-8")
    result = runner.invoke(
        generate_app,
        [
            str(manifest),
            "-o",
            str(tmp_path / "p.jsonl"),
            "--backend",
            "openai",
            "--model",
            "gpt-4o",
        ],
    )
    assert result.exit_code == 2 and "OPENAI_API_KEY" in result.output


def test_default_prompt_lists_the_organs_and_images():
    from pet2rep_metrics.runner.prompts import default_prompt

    zh = default_prompt("zh", 3)
    assert zh.count("<image>") == 3 and "甲状腺" in zh and "前列腺" in zh and "影像所见" in zh
    en = default_prompt("en", 2)
    assert en.count("<image>") == 2 and "adrenal glands" in en and "IMPRESSION" in en


class _Down(BaseHTTPRequestHandler):
    """A server of a fleet that is down: every request fails with 503."""

    hits = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        _Down.hits += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"error": {"message": "down"}}')


def test_a_fleet_spreads_requests_and_fails_over(tmp_path, server):
    _Down.hits = 0
    down = ThreadingHTTPServer(("127.0.0.1", 0), _Down)
    threading.Thread(target=down.serve_forever, daemon=True).start()
    down_url = f"http://127.0.0.1:{down.server_address[1]}/v1"
    try:
        manifest = _manifest(tmp_path, [f"case {k}" for k in range(8)])
        out = tmp_path / "preds.jsonl"
        result = runner.invoke(
            generate_app,
            [
                str(manifest),
                "-o",
                str(out),
                "--backend",
                "openai",
                "--model",
                "m",
                "--base-url",
                down_url,
                "--base-url",
                server,
                "--concurrency",
                "2",
                "--retries",
                "3",
            ],
            env={"OPENAI_API_KEY": "x"},
        )
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert sorted(r["id"] for r in rows) == [f"c{k}" for k in range(8)]
        assert not any(r.get("error") for r in rows)
        assert rows[0]["params"]["servers"] == [down_url, server]
        assert 1 <= _Down.hits < 8  # tried, then set aside while the healthy server answered
    finally:
        down.shutdown()


def test_server_urls_split_and_deduplicated():
    from pet2rep_metrics.runner.backends import _server_urls

    assert _server_urls(["http://a/v1,http://b/v1", "http://a/v1"]) == [
        "http://a/v1",
        "http://b/v1",
    ]
    assert _server_urls(None) == [None]


def test_a_fleet_keeps_each_server_within_its_concurrency():
    from pet2rep_metrics.runner.backends import _Fleet, _Server

    fleet = _Fleet([_Server("a", None), _Server("b", None)], per_server=2)
    peak = {"a": 0, "b": 0}
    lock = threading.Lock()

    def request():
        server = fleet.acquire()
        with lock:
            peak[server.url] = max(peak[server.url], server.in_flight)
        time.sleep(0.05)
        fleet.release(server, failed=False)

    threads = [threading.Thread(target=request) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == {"a": 2, "b": 2}
