"""A stock list over HTTP: GET /items, GET /items/NAME, PUT /items/NAME."""
from flask import Flask, abort, jsonify, request

GREETING = "inventory 1.0"

app = Flask(__name__)
stock = {"bolts": 120, "nuts": 300}


@app.get("/")
def index():
    return GREETING


@app.get("/items")
def items():
    return jsonify(stock)


@app.get("/items/<name>")
def item(name):
    if name not in stock:
        abort(404)
    return jsonify({name: stock[name]})


@app.put("/items/<name>")
def put_item(name):
    stock[name] = int(request.get_json(force=True))
    return jsonify({name: stock[name]})
