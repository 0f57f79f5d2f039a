#!/usr/bin/env node
// The Node.js side of the cross-language tests (see tests/crosslang/README.md): koffi over
// PlasmaSharp's C ABI, the object's bytes viewed in place with koffi.view (no copy), Arrow IPC
// read with apache-arrow's tableFromIPC and written with tableToIPC - an Arrow implementation
// independent of the C# one. Exit 0 = checks passed; otherwise "FAIL: why" on stderr, exit 1.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const koffi = require('koffi');
const arrow = require('apache-arrow');

const GET_TIMEOUT_MS = 10000; // an object that should exist: fail fast
const STREAM_GET_TIMEOUT_MS = 60000; // waiting for a writer that is still running
const ID_SIZE = 20;

class Failure extends Error {}

// ---- the C ABI through koffi ----

function loadLibrary() {
  const path = process.env.PLASMASHARP_NATIVE_LIB;
  if (!path) throw new Failure('PLASMASHARP_NATIVE_LIB is not set');
  const lib = koffi.load(path);
  koffi.opaque('ps_error');
  koffi.opaque('ps_client');
  koffi.opaque('ps_object');
  koffi.struct('ps_object_view', {
    data: 'uint8_t *',
    data_size: 'int64_t',
    metadata: 'uint8_t *',
    metadata_size: 'int64_t',
    segment_base: 'uint8_t *',
    segment_size: 'int64_t',
    object_id: koffi.array('uint8_t', ID_SIZE),
    is_sealed: 'uint8_t',
    reserved: koffi.array('uint8_t', 3),
    reserved2: 'int32_t',
  });
  return {
    errorMessage: lib.func('const char *ps_error_message(const ps_error *error)'),
    errorFree: lib.func('void ps_error_free(ps_error *error)'),
    connect: lib.func('int32_t ps_client_connect(const char *socket, int32_t retries, int64_t delay_ms, ' +
                      '_Out_ ps_client **out, _Out_ ps_error **error)'),
    clientFree: lib.func('void ps_client_free(ps_client *client)'),
    create: lib.func('int32_t ps_client_create(ps_client *client, const uint8_t *id, int64_t size, ' +
                     'const uint8_t *metadata, int64_t metadata_size, uint8_t evict, _Out_ ps_object **out, ' +
                     '_Out_ ps_error **error)'),
    createAndSeal: lib.func('int32_t ps_client_create_and_seal(ps_client *client, const uint8_t *id, ' +
                            'const uint8_t *data, int64_t size, const uint8_t *metadata, int64_t metadata_size, ' +
                            'uint8_t evict, _Out_ ps_error **error)'),
    // out is an array of `count` ps_object*: passed as a raw buffer and decoded afterwards.
    get: lib.func('int32_t ps_client_get(ps_client *client, const uint8_t *ids, int64_t count, ' +
                  'int64_t timeout_ms, void *out, _Out_ ps_error **error)'),
    del: lib.func('int32_t ps_client_delete(ps_client *client, const uint8_t *ids, int64_t count, ' +
                  '_Out_ int32_t *results, _Out_ ps_error **error)'),
    getView: lib.func('int32_t ps_object_get_view(const void *object, _Out_ ps_object_view *out, ' +
                      '_Out_ ps_error **error)'),
    seal: lib.func('int32_t ps_object_seal(void *object, _Out_ ps_error **error)'),
    release: lib.func('int32_t ps_object_release(void *object, ps_error **error)'),
  };
}

class Client {
  constructor(lib, socket) {
    this.lib = lib;
    const out = [null];
    this.check((err) => lib.connect(socket, 20, 100, out, err), 'connect');
    this.handle = out[0];
  }

  check(call, what) {
    const err = [null];
    const code = call(err);
    if (code !== 0) {
      let message = '(no message)';
      if (err[0]) {
        message = this.lib.errorMessage(err[0]);
        this.lib.errorFree(err[0]);
      }
      throw new Failure(`${what} failed with code ${code}: ${message}`);
    }
  }

  close() {
    this.lib.clientFree(this.handle);
  }

  view(object) {
    const view = {};
    this.check((err) => this.lib.getView(object, view, err), 'get_view');
    return view;
  }

  // The object's data as a Uint8Array over the shared mapping itself (koffi.view: no copy).
  static bytes(pointer, size) {
    if (size === 0) return new Uint8Array(0);
    return new Uint8Array(koffi.view(pointer, size));
  }

  // create -> fill in place -> seal -> release: readers only ever see the sealed object.
  put(id, size, metadata, fill) {
    const out = [null];
    this.check((err) => this.lib.create(this.handle, id, size, metadata, metadata.length, 1, out, err),
        'create ' + id.toString('hex'));
    try {
      const view = this.view(out[0]);
      if (Number(view.data_size) !== size || view.is_sealed) {
        throw new Failure(`fresh object: data_size ${view.data_size} sealed ${view.is_sealed}`);
      }
      fill(Client.bytes(view.data, size));
      this.check((err) => this.lib.seal(out[0], err), 'seal');
    } finally {
      this.lib.release(out[0], null);
    }
  }

  putSmall(id, data, metadata) {
    this.check((err) => this.lib.createAndSeal(this.handle, id, data, data.length, metadata, metadata.length, 1, err),
        'create_and_seal');
  }

  // Gets `ids` (array of 20-byte Buffers) in one call; every missing one is a failure.
  getMany(ids, timeoutMs) {
    const slots = Buffer.alloc(8 * ids.length);
    this.check((err) => this.lib.get(this.handle, Buffer.concat(ids), ids.length, timeoutMs, slots, err), 'get');
    const objects = ids.map((_, k) => koffi.decode(slots, 8 * k, 'void *'));
    const missing = objects.findIndex((o) => !o);
    if (missing >= 0) {
      objects.forEach((o) => o && this.lib.release(o, null));
      throw new Failure(`object ${ids[missing].toString('hex')} not available within ${timeoutMs} ms`);
    }
    return objects.map((handle, k) => {
      const view = this.view(handle);
      if (!Buffer.from(view.object_id).equals(ids[k]) || !view.is_sealed) {
        throw new Failure(`view of ${ids[k].toString('hex')} reports id ${Buffer.from(view.object_id).toString('hex')}` +
                          ` sealed=${view.is_sealed}`);
      }
      return {
        handle,
        data: Client.bytes(view.data, Number(view.data_size)),
        metadata: Buffer.from(Client.bytes(view.metadata, Number(view.metadata_size))),
      };
    });
  }

  get(id, timeoutMs) {
    return this.getMany([id], timeoutMs)[0];
  }

  release(object) {
    this.lib.release(object.handle, null);
  }

  delete(id) {
    const result = [0];
    this.check((err) => this.lib.del(this.handle, id, 1, result, err), 'delete');
    if (result[0] !== 0) throw new Failure(`delete of ${id.toString('hex')} returned ${result[0]}`);
  }
}

// ---- shared formats ----

function patternByte(i, seed) {
  return (i % 251 + 13 * Math.floor(i / 65536) + seed) & 0xff;
}

function fillPattern(seed) {
  return (bytes) => {
    let mod = 0;
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (mod + 13 * ((i / 65536) | 0) + seed) & 0xff;
      if (++mod === 251) mod = 0;
    }
  };
}

function checkObject(object, name, size, seed, metadata) {
  const {data} = object;
  if (data.length !== size) throw new Failure(`${name}: data_size ${data.length}, expected ${size}`);
  if (!object.metadata.equals(metadata)) {
    throw new Failure(`${name}: metadata ${object.metadata.toString('hex')}, expected ${metadata.toString('hex')}`);
  }
  let mod = 0;
  for (let i = 0; i < size; i++) {
    if (data[i] !== ((mod + 13 * ((i / 65536) | 0) + seed) & 0xff)) {
      throw new Failure(`${name}: byte ${i} is ${data[i]}, expected ${patternByte(i, seed)}`);
    }
    if (++mod === 251) mod = 0;
  }
}

function fnv1a64(bytes) {
  let hash = 0xcbf29ce484222325n;
  // 32-bit halves keep this fast enough without BigInt per byte.
  let lo = Number(hash & 0xffffffffn);
  let hi = Number(hash >> 32n);
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    // (hi:lo) * 0x100000001b3 mod 2^64 = (hi:lo) * 0x1b3 + (lo << 40)
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 4294967296);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = loMul >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

function parseId(text) {
  if (!/^[0-9a-f]{40}$/.test(text)) throw new Failure(`id must be 40 lowercase hex chars: '${text}'`);
  return Buffer.from(text, 'hex');
}

const manyMetadata = (k) => Buffer.from(k % 10 === 0 ? '' : `meta-${k}`);
const manySize = (k) => (k * 37) % 300;
const streamSize = (k) => 4096 + k * 1021;

// ---- the reference record batch (same formulas in every language) ----

const ROWS = 257;
const TS_BASE = 1700000000000000n;
const NAMES = ['id64', 'i32', 'f64', 'text', 'flag', 'items', 'ts'];

function reference(i) {
  return {
    id64: BigInt(i) * 1000003n - 128000000n,
    i32: i % 7 === 3 ? null : (i * i) % 1000 - 500,
    f64: i % 11 === 5 ? null : i * 0.25 - 10.5,
    text: i % 13 === 0 ? null : `row ${i}` + (i % 5 === 0 ? ' \u00e9\u2713' : ''),
    flag: i % 5 === 4 ? null : i % 3 === 0,
    items: i % 17 === 16 ? null : Array.from({length: i % 4}, (_, k) => i + k),
    ts: i % 19 === 18 ? null : TS_BASE + BigInt(i) * 1000001n,
  };
}

function referenceTable() {
  const rows = Array.from({length: ROWS}, (_, i) => reference(i));
  const column = (name) => rows.map((r) => r[name]);
  // Timestamps are built from raw int64 microseconds: the JS builder takes milliseconds as
  // doubles, which cannot hold every microsecond exactly.
  const tsValues = new BigInt64Array(ROWS);
  const tsValid = new Uint8Array(Math.ceil(ROWS / 8));
  let tsNulls = 0;
  rows.forEach((r, i) => {
    if (r.ts === null) tsNulls++;
    else {
      tsValues[i] = r.ts;
      tsValid[i >> 3] |= 1 << (i & 7);
    }
  });
  const tsType = new arrow.TimestampMicrosecond('UTC');
  const ts = arrow.makeVector(arrow.makeData({type: tsType, length: ROWS, nullCount: tsNulls, nullBitmap: tsValid,
    data: tsValues}));
  const vectors = {
    id64: arrow.vectorFromArray(column('id64'), new arrow.Int64()),
    i32: arrow.vectorFromArray(column('i32'), new arrow.Int32()),
    f64: arrow.vectorFromArray(column('f64'), new arrow.Float64()),
    text: arrow.vectorFromArray(column('text'), new arrow.Utf8()),
    flag: arrow.vectorFromArray(column('flag'), new arrow.Bool()),
    items: arrow.vectorFromArray(column('items'), new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    ts,
  };
  return new arrow.Table(vectors);
}

function checkTable(table, name) {
  const got = table.schema.fields.map((f) => f.name).join(',');
  if (got !== NAMES.join(',')) throw new Failure(`${name}: columns ${got}`);
  if (table.numRows !== ROWS) throw new Failure(`${name}: ${table.numRows} rows, expected ${ROWS}`);
  const types = table.schema.fields.map((f) => f.type);
  const T = arrow.Type;
  const expectedIds = [T.Int, T.Int, T.Float, T.Utf8, T.Bool, T.List, T.Timestamp];
  types.forEach((type, k) => {
    if (type.typeId !== expectedIds[k]) throw new Failure(`${name}: column ${NAMES[k]} is ${type}`);
  });
  if (types[0].bitWidth !== 64 || !types[0].isSigned || types[1].bitWidth !== 32 ||
      types[2].precision !== arrow.Precision.DOUBLE) {
    throw new Failure(`${name}: numeric types ${types.slice(0, 3).join(', ')}`);
  }
  if (types[5].children[0].type.typeId !== T.Int || types[5].children[0].type.bitWidth !== 32) {
    throw new Failure(`${name}: items is ${types[5]}`);
  }
  if (types[6].unit !== arrow.TimeUnit.MICROSECOND || !['UTC', '+00:00'].includes(types[6].timezone)) {
    throw new Failure(`${name}: ts is ${types[6]}`);
  }
  const columns = Object.fromEntries(NAMES.map((n) => [n, table.getChild(n)]));
  const tsRaw = rawInt64(columns.ts);
  for (let i = 0; i < ROWS; i++) {
    const want = reference(i);
    const gotRow = {
      id64: columns.id64.get(i),
      i32: columns.i32.get(i),
      f64: columns.f64.get(i),
      text: columns.text.get(i),
      flag: columns.flag.get(i),
      items: columns.items.get(i) === null ? null : Array.from(columns.items.get(i).toArray()),
      ts: tsRaw[i],
    };
    for (const n of NAMES) {
      const a = JSON.stringify(gotRow[n], (_, v) => (typeof v === 'bigint' ? v.toString() : v));
      const b = JSON.stringify(want[n], (_, v) => (typeof v === 'bigint' ? v.toString() : v));
      if (a !== b) throw new Failure(`${name}: ${n}[${i}] is ${a}, expected ${b}`);
    }
  }
}

// The int64 values of a timestamp column as BigInt (null where null), across chunks.
function rawInt64(vector) {
  const out = [];
  for (const data of vector.data) {
    for (let j = 0; j < data.length; j++) {
      out.push(data.getValid(j) ? BigInt.asIntN(64, data.values[data.offset + j]) : null);
    }
  }
  return out;
}

function checkIpcFraming(bytes, name) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 16) throw new Failure(`${name}: ${n} bytes is too short for an IPC stream`);
  if (dv.getUint32(0, true) !== 0xffffffff) throw new Failure(`${name}: no continuation marker at the start`);
  const schemaLength = dv.getUint32(4, true);
  if (schemaLength === 0 || schemaLength % 8 || 8 + schemaLength > n) {
    throw new Failure(`${name}: bad schema message length ${schemaLength}`);
  }
  if (dv.getUint32(n - 8, true) !== 0xffffffff || dv.getUint32(n - 4, true) !== 0) {
    throw new Failure(`${name}: no end-of-stream marker`);
  }
}

// ---- commands ----

const commands = {
  'emit-arrow'(file) {
    fs.writeFileSync(file, arrow.tableToIPC(referenceTable(), 'stream'));
  },

  'put-raw'(client, seedText, metaHex, ...sizes) {
    const metadata = Buffer.from(metaHex, 'hex');
    sizes.forEach((sizeText, index) => {
      const id = crypto.randomBytes(ID_SIZE);
      client.put(id, Number(sizeText), metadata, fillPattern((Number(seedText) + index) & 0xff));
      console.log(id.toString('hex'));
    });
  },

  'get-raw'(client, seedText, metaHex, ...specs) {
    const metadata = Buffer.from(metaHex, 'hex');
    const ids = specs.map((spec, index) => {
      const [sizeText, hexId] = spec.split('=');
      const id = parseId(hexId);
      const object = client.get(id, GET_TIMEOUT_MS);
      try {
        checkObject(object, hexId, Number(sizeText), (Number(seedText) + index) & 0xff, metadata);
      } finally {
        client.release(object);
      }
      return id;
    });
    ids.forEach((id) => client.delete(id));
  },

  'put-arrow'(client) {
    const ipc = arrow.tableToIPC(referenceTable(), 'stream');
    const id = crypto.randomBytes(ID_SIZE);
    client.put(id, ipc.length, Buffer.from('RAW'), (bytes) => bytes.set(ipc));
    console.log(`${id.toString('hex')} ${ipc.length} ${fnv1a64(ipc)}`);
  },

  'get-arrow'(client, hexId, sizeText, digest) {
    const id = parseId(hexId);
    const object = client.get(id, GET_TIMEOUT_MS);
    try {
      if (object.metadata.toString('latin1') !== 'RAW') {
        throw new Failure(`${hexId}: metadata ${object.metadata.toString('hex')}, expected RAW`);
      }
      if (object.data.length !== Number(sizeText)) {
        throw new Failure(`${hexId}: size ${object.data.length}, writer said ${sizeText}`);
      }
      const got = fnv1a64(object.data);
      if (got !== digest) throw new Failure(`${hexId}: FNV-1a 64 ${got}, writer said ${digest}`);
      checkIpcFraming(object.data, hexId);
      // tableFromIPC reads straight from the shared mapping (object.data is a koffi view).
      checkTable(arrow.tableFromIPC(object.data), hexId);
    } finally {
      client.release(object);
    }
    client.delete(id);
  },

  'put-many'(client, countText) {
    for (let k = 0; k < Number(countText); k++) {
      const id = crypto.randomBytes(ID_SIZE);
      const data = Buffer.alloc(manySize(k));
      fillPattern(k & 0xff)(data);
      // Alternate the two write paths: create/seal and create_and_seal in one round trip.
      if (k % 2) client.putSmall(id, data, manyMetadata(k));
      else client.put(id, data.length, manyMetadata(k), (bytes) => bytes.set(data));
      console.log(id.toString('hex'));
    }
  },

  'get-many'(client, ...hexIds) {
    const ids = hexIds.map(parseId);
    const objects = client.getMany(ids, GET_TIMEOUT_MS);
    try {
      objects.forEach((object, k) => checkObject(object, hexIds[k], manySize(k), k & 0xff, manyMetadata(k)));
    } finally {
      objects.forEach((object) => client.release(object));
    }
    ids.forEach((id) => client.delete(id));
  },

  'put-stream'(client, ...hexIds) {
    hexIds.forEach((hexId, k) => client.put(parseId(hexId), streamSize(k), manyMetadata(k), fillPattern(k & 0xff)));
  },

  'get-stream'(client, ...hexIds) {
    // Tells the driver this reader is connected: it starts the writer only then.
    fs.writeSync(1, 'connected\n');
    hexIds.forEach((hexId, k) => {
      const object = client.get(parseId(hexId), STREAM_GET_TIMEOUT_MS);
      try {
        checkObject(object, hexId, streamSize(k), k & 0xff, manyMetadata(k));
      } finally {
        client.release(object);
      }
    });
  },
};

function main(argv) {
  const [command, target, ...args] = argv;
  if (!commands[command] || !target) throw new Failure('usage: crosslang.js COMMAND SOCKET|FILE ARGS...');
  if (command === 'emit-arrow') return commands[command](target);
  const client = new Client(loadLibrary(), target);
  try {
    commands[command](client, ...args);
  } finally {
    client.close();
  }
}

try {
  main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`FAIL: ${e instanceof Failure ? e.message : e.stack}\n`);
  process.exitCode = 1;
}
