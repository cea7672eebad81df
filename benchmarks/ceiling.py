"""The ceiling every throughput is compared with: a bare Flask app answering a tiny JSON POST,
served by the same gunicorn settings as Roadshow."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/echo")
def echo():
    body = request.get_json(silent=True) or {}
    return jsonify({"ok": True, "code": body.get("code")}), 201
