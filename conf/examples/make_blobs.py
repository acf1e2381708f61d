#!/usr/bin/env python3
"""Makes the demo fixtures of conf/examples (committed; rerun to reproduce them byte for byte):
blobs.csv, 600 points of three Gaussian blobs in 4-D with a class column, and blobs-model/, a 4-8-3 tanh MLP
fitted to them by full-batch gradient descent on the cross-entropy, written in the project's model format
(model.json + .npy) with numpy alone. Data and model: CC0."""
import json, os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20171204)
centers = np.array([[-1.5, 0.0, 1.0, 0.5], [1.5, 1.0, -0.5, 0.0], [0.0, -1.5, 0.0, -1.0]])
names = ["alpha", "beta", "gamma"]
X = np.concatenate([c + 0.6 * rng.standard_normal((200, 4)) for c in centers])
y = np.repeat(np.arange(3), 200)
order = rng.permutation(len(X))
X, y = X[order], y[order]
with open(os.path.join(here, "blobs.csv"), "w") as f:
    f.write("x1,x2,x3,x4,class\n")
    for row, label in zip(X, y):
        f.write(",".join(f"{v:.6f}" for v in row) + f",{names[label]}\n")

V = rng.uniform(-1, 1, (8, 4)); c = np.zeros(8)
W = rng.uniform(-0.5, 0.5, (3, 8)); b = np.zeros(3)
Y = np.eye(3)[y]
for _ in range(3000):
    H = np.tanh(X @ V.T + c)
    L = H @ W.T + b
    P = np.exp(L - L.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
    G = (P - Y) / len(X)
    gW, gb = G.T @ H, G.sum(0)
    GH = (G @ W) * (1 - H ** 2)
    gV, gc = GH.T @ X, GH.sum(0)
    for p, g in ((V, gV), (c, gc), (W, gW), (b, gb)):
        p -= 0.5 * g
acc = float(((np.tanh(X @ V.T + c) @ W.T + b).argmax(1) == y).mean())
out = os.path.join(here, "blobs-model")
os.makedirs(out, exist_ok=True)
for name, a in (("layer0.weight", V), ("layer0.bias", c), ("output.weight", W), ("output.bias", b)):
    np.save(os.path.join(out, name + ".npy"), a.astype(np.float32))
lo, hi = float(np.floor(X.min())), float(np.ceil(X.max()))
json.dump({
    "format": "robustbounds-model", "version": 1, "name": "blobs-4-8-3",
    "input": {"shape": [4], "range": [lo, hi]}, "classes": names,
    "layers": [{"kind": "dense", "activation": "tanh", "weight": "layer0.weight.npy", "bias": "layer0.bias.npy"}],
    "output": {"kind": "linear", "weight": "output.weight.npy", "bias": "output.bias.npy"},
    "provenance": {"created-by": "conf/examples/make_blobs.py", "training-accuracy": acc, "data": "blobs.csv", "license": "CC0"},
}, open(os.path.join(out, "model.json"), "w"), indent=2)
print(f"training accuracy {acc:.4f}; range [{lo}, {hi}]")
