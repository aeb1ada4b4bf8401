#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/.

The seeds are committed; run this again (from anywhere) after changing it.
Model files come from samples/ plus a few small ones written here (one with
weights, so the weights reader has a valid checksum to start from); IDX,
CSV and PNG seeds are tiny files of every kind the loaders read."""
import base64
import gzip
import hashlib
import json
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, 'corpus')


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- model files -----------------------------------------------------------

def layer(cls, name, config, inbound):
    return {'class_name': cls, 'name': name, 'config': config,
            'inbound_nodes': [[[i, 0, 0] for i in inbound]] if inbound else []}


def model_files():
    for f in sorted(os.listdir(os.path.join(ROOT, 'samples'))):
        if f.endswith('.json'):
            shutil.copy(os.path.join(ROOT, 'samples', f), os.path.join(CORPUS, 'model-json', f))
    # Input (2) -> Dense 1: 3 weights, with their checksum
    w = struct.pack('<3f', 0.5, -0.25, 0.125)
    tiny = {
        'format': 'deepscope-model', 'version': 1, 'name': 'tiny',
        'config': {
            'layers': [layer('Input', 'x', {'shape': [2]}, None),
                       layer('Dense', 'd', {'units': 1, 'activation': 'sigmoid'}, ['x'])],
            'input_layers': [['x', 0, 0]], 'output_layers': [['d', 0, 0]]},
        'compile': {'optimizer': {'class_name': 'SGD', 'config': {'learning_rate': 0.1}},
                    'loss': ['binary_crossentropy'], 'loss_weights': [1.0],
                    'metrics': [['accuracy']]},
        'weights': {'encoding': 'float32-le-base64', 'count': 3,
                    'sha256': hashlib.sha256(w).hexdigest(),
                    'data': base64.b64encode(w).decode()},
    }
    put('model-json', 'tiny-weights.json', json.dumps(tiny, indent=1))
    # a Model layer holding an inner model, called twice (shared weights)
    inner = {'name': 'inner',
             'layers': [layer('Input', 'i', {'shape': [4]}, None),
                        layer('Dense', 'h', {'units': 3, 'activation': 'relu'}, ['i'])],
             'input_layers': [['i', 0, 0]], 'output_layers': [['h', 0, 0]]}
    nested = {
        'format': 'deepscope-model', 'version': 1, 'name': 'nested',
        'training': {'epochs': 1, 'batch_size': 4},
        'config': {
            'layers': [layer('Input', 'a', {'shape': [4]}, None),
                       layer('Input', 'b', {'shape': [4]}, None),
                       {'class_name': 'Model', 'name': 'shared', 'config': inner,
                        'trainable': False,
                        'inbound_nodes': [[['a', 0, 0]], [['b', 0, 0]]]},
                       {'class_name': 'Concatenate', 'name': 'cat', 'config': {},
                        'inbound_nodes': [[['shared', 0, 0], ['shared', 1, 0]]]}],
            'input_layers': [['a', 0, 0], ['b', 0, 0]], 'output_layers': [['cat', 0, 0]]},
    }
    put('model-json', 'nested-shared.json', json.dumps(nested, indent=1))
    # a small convnet with every image layer's keys written out
    conv = {
        'format': 'deepscope-model', 'version': 1, 'name': 'conv',
        'config': {
            'layers': [layer('Input', 'img', {'shape': [6, 6, 2]}, None),
                       layer('Conv2D', 'c', {'filters': 2, 'kernel_size': [3, 3],
                                             'strides': [1, 1], 'padding': 'same'}, ['img']),
                       layer('MaxPooling2D', 'p', {'pool_size': [2, 2]}, ['c']),
                       layer('BatchNormalization', 'bn', {}, ['p']),
                       layer('Flatten', 'f', {}, ['bn']),
                       layer('Dense', 'o', {'units': 3, 'activation': 'softmax'}, ['f'])],
            'input_layers': [['img', 0, 0]], 'output_layers': [['o', 0, 0]]},
        'compile': {'loss': ['sparse_categorical_crossentropy']},
    }
    put('model-json', 'small-conv.json', json.dumps(conv, indent=1))


# ---- IDX ---------------------------------------------------------------------

def idx(type_code, dims, values):
    head = struct.pack('>BBBB', 0, 0, type_code, len(dims)) + struct.pack('>%dI' % len(dims), *dims)
    if type_code == 0x08:
        return head + bytes(values)
    return head + struct.pack('>%df' % len(values), *values)


def idx_files():
    files = {
        'images-u8-3x2x2': idx(0x08, [3, 2, 2], [i * 20 for i in range(12)]),
        'labels-u8-5': idx(0x08, [5], [0, 1, 2, 1, 0]),
        'f32-2x3': idx(0x0D, [2, 3], [0.5, -1.0, 2.0, 1e-3, 3.5, -0.0]),
        'u8-4d-1x2x2x2': idx(0x08, [1, 2, 2, 2], list(range(8))),
    }
    for name, data in files.items():
        put('idx', name, data)
        put('idx', name + '.gz', gzip.compress(data, mtime=0))
        put('idx-gz', name, data)


# ---- CSV ---------------------------------------------------------------------

def csv_files():
    files = {
        'numeric.csv': 'a,b,y\n1,2,0\n3.5,-1,1\n0,0,1\n2e3,4,0\n',
        'categorical.csv': 'age,color,y\n31,red,yes\n45,blue,no\n22,red,no\n60,green,yes\n',
        'missing.csv': 'x1,x2,y\n1,,0\nNA,2,1\n3,?,0\n4,5,\nNaN,6,1\n',
        'quoted.csv': 'name,note,y\n"a, b","line1\nline2",1\n"say ""hi""",plain,0\nc,"",1\n',
        'crlf-bom.csv': '\ufeffx,y\r\n1,1.5\r\n2,2.5\r\n\r\n3,3.5\r\n',
        'regression.csv': 'f1,f2,f3,y\n0.1,0.2,0.3,1.25\n0.4,0.5,0.6,2.5\n0.7,0.8,0.9,3.75\n',
        'many-classes.csv': 'x,y\n' + ''.join('%d,%d\n' % (i, i % 7) for i in range(30)),
    }
    for name, text in files.items():
        put('csv', name, text)


def json_table_files():
    # the last byte picks the options (fuzz-json-table.c)
    files = {
        'cars.json': '[{"name": "a", "w": 3504, "hp": 130, "on": true, "year": "1970-01-01", '
                     '"o": "USA", "y": 18},\n'
                     ' {"name": "b", "w": 3693, "hp": null, "on": false, "year": "1971-01-01", '
                     '"o": "Japan", "y": null},\n'
                     ' {"name": "c", "w": 2130, "hp": 88, "on": true, "year": '
                     '"1972-06-01T00:00:00", "o": "Europe", "y": 27.5},\n'
                     ' {"name": "d", "hp": 95, "on": false, "year": "1973-01-01", "o": null, '
                     '"y": 24}]\n',
        'classes.json': b'[{"x": 1, "k": "a", "y": "cat"}, {"x": 2, "k": "b", "y": "dog"}, '
                        b'{"x": 3.5e2, "k": "a", "y": "cat"}]\x80',
        'mixed.json': '[{"x": 1, "y": 2}, {"x": "s", "y": 3}]',
    }
    for name, text in files.items():
        put('json-table', name, text)


# ---- PNG ---------------------------------------------------------------------

def chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def pack_row(values, depth):
    if depth == 8:
        return bytes(values)
    if depth == 16:
        return b''.join(struct.pack('>H', v) for v in values)
    out, acc, bits = bytearray(), 0, 0
    for v in values:
        acc = acc << depth | v
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png(width, height, color, depth, pixel, extra=b'', interlace=0, option=0):
    """pixel(x, y) gives the samples of one pixel (a tuple)."""
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            for y in range(y0, height, dy):
                xs = range(x0, width, dx)
                if not xs:
                    continue
                raw.append(0)
                raw += pack_row([s for x in xs for s in pixel(x, y)], depth)
    else:
        for y in range(height):
            raw.append(0)
            raw += pack_row([s for x in range(width) for s in pixel(x, y)], depth)
    ihdr = struct.pack('>IIBBBBB', width, height, depth, color, 0, 0, interlace)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + extra
            + chunk(b'IDAT', zlib.compress(bytes(raw))) + chunk(b'IEND', b'') + bytes([option]))


def png_files():
    # the byte after IEND picks the options (see fuzz-png.c)
    put('png', 'gray8-4x3', png(4, 3, 0, 8, lambda x, y: (x * 60 + y,), option=0))
    put('png', 'gray1-9x2', png(9, 2, 0, 1, lambda x, y: ((x + y) & 1,), option=1 | 8))
    put('png', 'gray16-3x3', png(3, 3, 0, 16, lambda x, y: (x * 20000 + y,), option=2))
    put('png', 'rgb8-5x4', png(5, 4, 2, 8, lambda x, y: (x * 50, y * 60, 128), option=3 | 16))
    put('png', 'rgba8-2x2', png(2, 2, 6, 8, lambda x, y: (255, x * 255, y * 255, 128),
                                option=4 | 40))
    put('png', 'graya8-3x2', png(3, 2, 4, 8, lambda x, y: (x * 100, 255), option=1))
    plte = chunk(b'PLTE', bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]))
    trns = chunk(b'tRNS', bytes([255, 0]))
    put('png', 'palette4-6x3', png(6, 3, 3, 4, lambda x, y: ((x + y) % 4,), plte + trns,
                                   option=2 | 64))
    put('png', 'interlaced-rgb-7x5', png(7, 5, 2, 8, lambda x, y: (x * 30, y * 40, x ^ y),
                                         interlace=1, option=0))
    text = chunk(b'tEXt', b'Comment\x00seed image')
    put('png', 'text-gray-2x5', png(2, 5, 0, 8, lambda x, y: (y * 50,), text, option=5))


# ---- dataset specs -------------------------------------------------------------

def spec_files():
    specs = [
        'spirals:n=100:noise=0.1', 'moons:n=50:seed=2', 'circles:noise=0.05:n=40', 'xor:n=8',
        'blobs:classes=4:n=40', 'spirals:normalize=minmax:n=20',
        'regression:n=20:features=3:noise=0.5', 'twoinput:n=10:seed=7',
        'fashion-mnist:classes=1,3:limit=5', 'fashion-mnist:normalize=meanstd',
        'mnist:limit=4', 'mnist:classes=0,2,4',
        'table.csv:target=color:missing=mean:task=classify',
        'table.csv:norm=minmax:test=0:missing=drop', 'table.csv:missing=zero:task=regress',
        'pngs:size=4x4:channels=3', 'pngs:skip=false:test=0.5:seed=2', 'pngs:channels=1',
    ]
    for i, s in enumerate(specs):
        put('data-spec', 'spec-%02d' % i, s)


def text_files():
    # GloVe: a plain file (dim 3), CRLF and blank lines, a word not in the
    # vocabulary, a mismatch (ends in 0xff), a ragged one
    put('glove', 'plain', 'the 0.1 0.2 0.3\ncat 1 2 3\nfish -1.5 0 2.5e-1\n')
    put('glove', 'crlf', 'cat 1 2\r\n\r\n\u0451\u0436 0.5 -0.5\r\nzebra 9 9\r\n')
    put('glove', 'unicode', 'caf\u00e9 1\n\U0001f642 2\na,b 3\n')
    put('glove', 'mismatch', b'cat 1 2 3\n\xff')
    put('glove', 'ragged', 'cat 1 2 3\ndog 1 2\n')
    # text: an option byte, a second one, then the text
    texts = ['Good, great film! Loved it.\n\nBad awful film; hated it.',
             '\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!\n%\n'
             'e\u0301t\u00e9 \U0001f44d\U0001f3fd don\'t\n%\nStop.\n',
             'aaaa bbbb aaaa cccc\n%\ndddd\n%\n']
    for i, t in enumerate(texts):
        for o in (0x00, 0x07, 0x1a, 0x41, 0x80, 0xc0, 0xe5):
            put('text', 'text-%d-%02x' % (i, o), bytes([o, 0x93]) + t.encode())


def main():
    for target in os.listdir(CORPUS) if os.path.isdir(CORPUS) else []:
        shutil.rmtree(os.path.join(CORPUS, target))
    os.makedirs(os.path.join(CORPUS, 'model-json'), exist_ok=True)
    model_files()
    idx_files()
    csv_files()
    json_table_files()
    png_files()
    spec_files()
    text_files()
    # the graph target's bytes are choices: a few fixed patterns start it
    for i, data in enumerate([bytes(16), bytes(range(64)), bytes([7, 3] * 40),
                              bytes((i * 37 + 11) % 256 for i in range(128))]):
        put('model-graph', 'choices-%d' % i, data)


if __name__ == '__main__':
    main()
