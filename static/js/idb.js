// idb.js — the phone's own database (IndexedDB): outbox, photos, tokens, cases, drafts, history.
// One small promise wrapper, shared by the pages and the service worker. Nothing personal is
// ever put in localStorage.

const DB_NAME = "fieldcheck";
const DB_VERSION = 1;
export const STORES = {
  outbox: "op_id",      // operations not yet stored by the server, with their author
  photos: "sha256",     // resized photos waiting to be uploaded (ArrayBuffer + MIME)
  tokens: "username",   // each officer's device token
  cases: "key",         // `${username}:${caseId}` -> the case as pulled, with pulled_at
  drafts: "key",        // `${username}:${caseId}` -> the form as typed, autosaved
  history: "op_id",     // what the server stored, with its answer (the officer's record)
  meta: "key",          // `${username}:cursor`, `${username}:last_sync`, ...
};

let opening = null;

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        for (const [name, keyPath] of Object.entries(STORES)) {
          if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode = "readonly") {
  const db = await openDb();
  return db.transaction(name, mode).objectStore(name);
}

export async function get(name, key) {
  return done((await store(name)).get(key));
}

export async function all(name) {
  return done((await store(name)).getAll());
}

export async function put(name, value) {
  // Resolves only once the transaction has committed: written means on the phone's disk.
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, "readwrite");
    tx.objectStore(name).put(value);
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export async function remove(name, key) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, "readwrite");
    tx.objectStore(name).delete(key);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}

export async function move(from, to, key, update = (v) => v) {
  // One transaction: an item is never in both stores, nor in neither.
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction([from, to], "readwrite");
    const source = tx.objectStore(from);
    const request = source.get(key);
    request.onsuccess = () => {
      if (request.result !== undefined) {
        tx.objectStore(to).put(update(request.result));
        source.delete(key);
      }
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
