// The demo's Node.js consumer: node consumer.js LIBRARY SOCKET ID
// Gets the object through PlasmaSharp's C ABI (koffi), views its bytes in place (koffi.view: an
// ArrayBuffer over the shared mapping, no copy), decodes the Arrow IPC stream with apache-arrow
// (whose typed arrays alias that ArrayBuffer) and prints the same key=value report as the C#
// consumer. Exit 2 with "SKIP: why" when koffi or apache-arrow is not installed.
'use strict';
const fs = require('fs');

let koffi, arrow;
try {
  koffi = require('koffi');
  arrow = require('apache-arrow');
} catch (e) {
  console.error(`SKIP: koffi / apache-arrow not installed (${e.message.split('\n')[0]})`);
  process.exit(2);
}

const [libraryPath, socket, idHex] = process.argv.slice(2);
if (!idHex || !/^[0-9a-fA-F]{40}$/.test(idHex)) {
  console.error('usage: node consumer.js LIBRARY SOCKET ID(40 hex)');
  process.exit(1);
}

const lib = koffi.load(libraryPath);
koffi.opaque('ps_error');
koffi.opaque('ps_client');
koffi.struct('ps_object_view', {
  data: 'uint8_t *', data_size: 'int64_t', metadata: 'uint8_t *', metadata_size: 'int64_t',
  segment_base: 'uint8_t *', segment_size: 'int64_t', object_id: koffi.array('uint8_t', 20),
  is_sealed: 'uint8_t', reserved: koffi.array('uint8_t', 3), reserved2: 'int32_t',
});
const api = {
  errorMessage: lib.func('const char *ps_error_message(const ps_error *error)'),
  errorFree: lib.func('void ps_error_free(ps_error *error)'),
  connect: lib.func('int32_t ps_client_connect(const char *socket, int32_t retries, int64_t delay_ms, _Out_ ps_client **out, _Out_ ps_error **error)'),
  clientFree: lib.func('void ps_client_free(ps_client *client)'),
  get: lib.func('int32_t ps_client_get(ps_client *client, const uint8_t *ids, int64_t count, int64_t timeout_ms, void *out, _Out_ ps_error **error)'),
  getView: lib.func('int32_t ps_object_get_view(const void *object, _Out_ ps_object_view *out, _Out_ ps_error **error)'),
  release: lib.func('int32_t ps_object_release(void *object, ps_error **error)'),
};

function check(what, call) {
  const err = [null];
  const code = call(err);
  if (code !== 0) {
    const message = err[0] ? api.errorMessage(err[0]) : '';
    if (err[0]) api.errorFree(err[0]);
    throw new Error(`${what} failed (code ${code}) ${message}`);
  }
}

// /proc/self/maps line holding `address` (a BigInt).
function mappingOf(address) {
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 5) continue;
    const [start, end] = parts[0].split('-').map((h) => BigInt('0x' + h));
    if (start <= address && address < end) {
      return { start, end, offset: BigInt('0x' + parts[2]), dev: parts[3], inode: parts[4], path: parts.slice(5).join(' ') };
    }
  }
  return null;
}

const hrMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

let t0 = process.hrtime.bigint();
const client = [null];
check('connect', (err) => api.connect(socket, 20, 100, client, err));
const connectMs = hrMs(t0);

const id = Buffer.from(idHex, 'hex');
// Get + view + decode. Done twice: the first includes loading apache-arrow's code paths.
function getAndDecode() {
  const start = process.hrtime.bigint();
  const slot = Buffer.alloc(8);
  check('get', (err) => api.get(client[0], id, 1, 30000, slot, err));
  const object = koffi.decode(slot, 0, 'void *');
  if (!object) { console.error(`object ${idHex} did not appear within 30 s`); process.exit(2); }
  const view = {};
  check('get_view', (err) => api.getView(object, view, err));
  const size = Number(view.data_size);
  const mapped = koffi.view(view.data, size);             // ArrayBuffer over shared memory
  const table = arrow.tableFromIPC(new Uint8Array(mapped)); // typed arrays alias `mapped`
  return { object, view, size, mapped, table, ms: hrMs(start) };
}
const first = getAndDecode();
api.release(first.object, null);
const { object, view, size, mapped, table, ms: getMs } = getAndDecode();

t0 = process.hrtime.bigint();
const idData = table.getChild('id').data;
const catData = table.getChild('category').data;
const tsData = table.getChild('ts').data;
if (idData.length !== 1) throw new Error(`expected one record batch, got ${idData.length}`);
const ids = idData[0].values; // BigInt64Array
// Sum as 32-bit halves in doubles (exact below 2^53), flushed to BigInt: much faster than BigInt adds.
const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length * 2);
let sum = 0n, lo = 0, hi = 0;
for (let i = 0; i < words.length; i += 2) {
  lo += words[i]; hi += words[i + 1];
  if ((i & 0x1fffff) === 0x1ffffe) { sum += BigInt(lo) + (BigInt(hi) << 32n); lo = 0; hi = 0; }
}
sum += BigInt(lo) + (BigInt(hi) << 32n);
const dictionary = catData[0].dictionary;
let gammaIndex = -1;
for (let i = 0; i < dictionary.length; i++) if (dictionary.get(i) === 'gamma') gammaIndex = i;
const indices = catData[0].values;
let gamma = 0;
for (let i = 0; i < indices.length; i++) if (indices[i] === gammaIndex) gamma++;
const ts = tsData[0].values;
const lastTs = ts.length ? ts[ts.length - 1] : 0n;
const scanMs = hrMs(t0);

const objectAddr = BigInt(koffi.address(view.data));
const columnAddr = ids.buffer === mapped ? objectAddr + BigInt(ids.byteOffset) : 0n; // 0 = a copy
const map = mappingOf(columnAddr);
const metadata = Buffer.from(koffi.view(view.metadata, Number(view.metadata_size))).toString('latin1');
const report = {
  lang: 'node', pid: process.pid, connect_ms: connectMs.toFixed(2), get_ms: getMs.toFixed(2), first_get_ms: first.ms.toFixed(2), scan_ms: scanMs.toFixed(2),
  rows: table.numRows, id_sum: sum, gamma_rows: gamma, last_ts: lastTs,
  object_id: Buffer.from(view.object_id).toString('hex'), metadata,
  object_addr: '0x' + objectAddr.toString(16), object_len: size,
  column_addr: '0x' + columnAddr.toString(16), column_len: ids.byteLength,
  map_start: '0x' + (map ? map.start : 0n).toString(16), map_end: '0x' + (map ? map.end : 0n).toString(16),
  map_inode: map ? map.inode : 0, map_dev: map ? map.dev : '?', map_path: map ? map.path : '?',
  column_file_offset: map ? columnAddr - map.start + map.offset : 0,
};
process.stdout.write(Object.entries(report).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
api.release(object, null);
api.clientFree(client[0]);
