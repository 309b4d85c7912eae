#!/usr/bin/env python3
"""PyTorch reference for `npm run bench`: the registered PixelWise architectures, measured like the tfjs engines.

Mirrors lib/models/cnn.ts and lib/models/vit.ts layer for layer (parameter counts match the tfjs models) and
the benchmark protocol of bench/measure.ts: fixed seed, one synthetic batch, warm-up steps excluded, median of
individually timed training steps (forward, loss, backward, Adam step) and inference batches (eval mode,
no_grad, softmax, copy to NumPy). Two threads, the comparison the project's performance targets are set against.

Usage: python3 bench/torch_reference.py [--model NAME ...] [--batch-size 128] [--steps 5] [--warmup 2] [--seed 42]
Prints one JSON object on its last line: {"engine": "torch", "torch": version, "threads": 2, "ompWaitPolicy": ...,
"malloc": {MALLOC_* variables}, "models": {...}, "missing": [names without a PyTorch mirror]}.

Memory: with glibc malloc's defaults every large block PyTorch frees goes back to the OS, and as PyTorch
allocates and frees its activations in every step, each step faults their pages in again; on a VM that
is slow enough to measure the kernel's page-fault path rather than PyTorch. `npm run bench` therefore
starts this script with glibc told to keep freed memory (TORCH_MALLOC_ENV in bench/engines.ts, as a
jemalloc or tcmalloc build would behave). glibc reads those variables when the process starts, so they
cannot be set from here: run directly, set them in the environment yourself. The ones in effect are
reported with the result.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

# Spinning OpenMP workers (the default) stall whenever another process holds one of the two cores, which on a
# shared machine made step times vary tenfold; passive waiting is stable and no slower here. Set
# OMP_WAIT_POLICY=ACTIVE to measure the default. Must be set before torch loads its OpenMP runtime.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
# The same short spin before sleeping as PixelWise's oneDNN engine (lib/backend/onednn/addon.ts): both engines wait alike.
os.environ.setdefault('GOMP_SPINCOUNT', '20000')

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

THREADS = 2


# --- CNNs (lib/models/cnn.ts) ----------------------------------------------------------------------------

def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def cnn_small(width=16, dropout=0.25):
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(width * 2 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def classic_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


def conv_bn_relu(cin, cout, padding=1):
    # tfjs batchNormalization defaults: epsilon 1e-3, moving-average momentum 0.99 (PyTorch counts 1 - 0.99).
    return [nn.Conv2d(cin, cout, 3, padding=padding, bias=False), nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01), nn.ReLU()]


def cnn_deep(width=32, dropout=0.25):
    return nn.Sequential(
        *conv_bn_relu(1, width), *conv_bn_relu(width, width), nn.MaxPool2d(2), nn.Dropout(dropout),
        *conv_bn_relu(width, width * 2), *conv_bn_relu(width * 2, width * 2), nn.MaxPool2d(2), nn.Dropout(dropout),
        nn.Flatten(),
        nn.Linear(width * 2 * 7 * 7, 256, bias=False), nn.BatchNorm1d(256, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.Dropout(dropout * 2),
        nn.Linear(256, 10),
    )


def cnn_simple(width=16, layers=10):
    widths = [1] + [width + i * width // 2 for i in range(layers)]
    side = 28 - 2 * layers
    return nn.Sequential(
        *[layer for cin, cout in zip(widths, widths[1:]) for layer in conv_bn_relu(cin, cout, padding=0)],
        nn.Flatten(),
        nn.Linear(widths[-1] * side * side, 10, bias=False), nn.BatchNorm1d(10, eps=1e-3, momentum=0.01),
    )


# --- ViTs (lib/models/vit.ts, lib/models/vit-layers.ts) --------------------------------------------------

VIT_PRESETS = {
    'vit-tiny': dict(patch_size=7, dim=64, depth=2, heads=4, mlp_ratio=4, dropout=0.05, pool='cls', stem='patch'),
    'vit-small': dict(patch_size=4, dim=64, depth=2, heads=4, mlp_ratio=2, dropout=0.0, pool='mean', stem='conv'),
}


class SelfAttention(nn.Module):
    """As MultiHeadSelfAttention: bias-free query/key/value projections, an output projection with bias."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(dim, dim, bias=False)
        self.key = nn.Linear(dim, dim, bias=False)
        self.value = nn.Linear(dim, dim, bias=False)
        self.output = nn.Linear(dim, dim)

    def forward(self, x):
        batch, tokens, dim = x.shape
        split = lambda t: t.reshape(batch, tokens, self.heads, dim // self.heads).transpose(1, 2)
        q = split(self.query(x)) / math.sqrt(dim // self.heads)
        weights = torch.softmax(q @ split(self.key(x)).transpose(-1, -2), dim=-1)
        mixed = (weights @ split(self.value(x))).transpose(1, 2).reshape(batch, tokens, dim)
        return self.output(mixed)


class EncoderBlock(nn.Module):
    """Pre-norm: x + MHSA(LN(x)), then x + MLP(LN(x)) with an exact-erf GELU as tfjs's 'gelu'."""

    def __init__(self, dim, heads, hidden, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attention = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, dim), nn.Dropout(dropout))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.dropout(self.attention(self.norm1(x)))
        return x + self.mlp(self.norm2(x))


class Vit(nn.Module):
    def __init__(self, patch_size, dim, depth, heads, mlp_ratio, dropout, pool, stem):
        super().__init__()
        self.pool = pool
        channels, patch, side = 1, patch_size, 28
        stem_layers = []
        if stem == 'conv':
            for filters in (math.ceil(dim / 2), dim):
                stem_layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
                channels = filters
            patch, side = patch // 4, side // 4
        self.stem = nn.Sequential(*stem_layers)
        self.patch_embedding = nn.Conv2d(channels, dim, patch, stride=patch)
        tokens = (side // patch) ** 2 + (1 if pool == 'cls' else 0)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim)) if pool == 'cls' else None
        self.positions = nn.Parameter(torch.zeros(1, tokens, dim))
        nn.init.trunc_normal_(self.positions, std=0.02)
        if self.class_token is not None:
            nn.init.trunc_normal_(self.class_token, std=0.02)
        self.embedding_dropout = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads, round(mlp_ratio * dim), dropout) for _ in range(depth)])
        self.final_norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.patch_embedding(self.stem(x)).flatten(2).transpose(1, 2)  # row-major patch order, as tfjs
        if self.class_token is not None:
            x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.final_norm(self.blocks(self.embedding_dropout(x + self.positions)))
        return self.head(x[:, 0] if self.pool == 'cls' else x.mean(dim=1))


MODELS = {
    'lenet5': lenet5,
    'cnn-small': cnn_small,
    'classic-cnn': classic_cnn,
    'cnn-deep': cnn_deep,
    'cnn-simple': cnn_simple,
    'vit-tiny': lambda: Vit(**VIT_PRESETS['vit-tiny']),
    'vit-small': lambda: Vit(**VIT_PRESETS['vit-small']),
}


# --- Measurement (the protocol of bench/measure.ts) ------------------------------------------------------

def timed_runs(fn, warmup, runs):
    """Milliseconds of each timed call of fn after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(name, batch_size, steps, warmup, seed):
    torch.manual_seed(seed)
    model = MODELS[name]()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    # Synthetic batch in PyTorch's NCHW layout (tfjs uses NHWC); labels cycle through the ten classes.
    images = torch.rand(batch_size, 1, 28, 28)
    labels = torch.arange(batch_size) % 10

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        loss.item()  # the tfjs step reads its loss back too

    def infer():
        with torch.no_grad():
            torch.softmax(model(images), dim=1).numpy()

    model.train()
    step_ms = timed_runs(train_step, warmup, steps)
    model.eval()
    infer_ms = timed_runs(infer, warmup, steps)
    return {
        'params': sum(p.numel() for p in model.parameters() if p.requires_grad),
        'batchSize': batch_size,
        'trainSamplesPerSec': batch_size * 1000 / statistics.median(step_ms),
        'inferImagesPerSec': batch_size * 1000 / statistics.median(infer_ms),
        'stepMs': step_ms,
        'inferMs': infer_ms,
        # ru_maxrss is in KiB on Linux: the process's peak so far, so one process per model gives per-model peaks.
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def blas_in_use():
    """The BLAS library this process has mapped once a matrix product ran. Debian's torch calls the
    libblas.so.3 that update-alternatives points at: OpenBLAS with libopenblas0-pthread, else the
    reference BLAS, which is 3-4x slower and would make any comparison meaningless."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open('/proc/self/maps') as maps:
        libraries = {line.split()[-1] for line in maps if '.so' in line}
    for marker, name in (('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blis', 'BLIS'), ('atlas', 'ATLAS')):
        found = sorted(lib for lib in libraries if marker in os.path.basename(lib).lower() or f'/{marker}' in lib.lower())
        if found:
            return {'name': name, 'library': found[0], 'reference': False}
    reference = sorted(lib for lib in libraries if 'libblas' in os.path.basename(lib))
    return {'name': 'reference BLAS', 'library': reference[0] if reference else 'none found', 'reference': True}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', action='append', help=f'repeatable; default all of {", ".join(MODELS)}')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--steps', type=int, default=5, help='timed training steps and inference batches')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps before timing')
    parser.add_argument('--seed', type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    names = args.model or list(MODELS)
    models = {name: measure(name, args.batch_size, args.steps, args.warmup, args.seed) for name in names if name in MODELS}
    # Models without a mirror here are named, not fatal: the benchmark reports them and carries on.
    missing = [name for name in names if name not in MODELS]
    print(json.dumps({
        'engine': 'torch',
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'ompWaitPolicy': os.environ['OMP_WAIT_POLICY'] + ', GOMP_SPINCOUNT=' + os.environ['GOMP_SPINCOUNT'],
        'malloc': {name: value for name, value in sorted(os.environ.items()) if name.startswith('MALLOC_')},
        'blas': blas_in_use(),
        'models': models,
        'missing': missing,
    }))


if __name__ == '__main__':
    main()
