"""The ceiling for bench.run: a bare Flask app with one endpoint, served by gunicorn with the
portal's own settings (gunicorn.conf.py), so that the portal's throughput can be read as a
share of what Flask and gunicorn alone give on the same machine."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
