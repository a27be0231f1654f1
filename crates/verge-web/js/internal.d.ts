// The hidden `internal` object the platform's own code shares: every key, its type, who
// defines it and who uses it. Never visible to guest code. (The model: Deno's
// ext/fetch/internal.d.ts.) `tests/internal_keys.rs` in verge-web checks that every key the
// sources define or read is listed here, and that nothing listed here is gone.
//
// Where a key is defined decides install order: a file or extension that uses a key must run
// after the one that defines it (Extension::requires in verge-js checks it for extensions;
// JS_FILES and LAZY_FILES in verge-web/src/lib.rs order the files).
//
// A "host op" is a Rust function installed by an extension's init; a "lazy" key stands as an
// accessor until first touched, then its file loads (js/lazy.js).

/** An opaque host object (a Rust class instance JS only passes back). */
type Host = object;
/** `[status, headers, bodyKind, body]`, `[0, value]`, or `[-1, error, reset?, serialized?]`. */
type EventResult = unknown[];

declare namespace internal {
  // ---- engine (verge-js) ----
  /** Intrinsics captured before guest code runs, shared by every platform file. verge-js bytecode.rs. */
  const primordials: Record<string, unknown>;
  /** CommonJS host ops (resolve, kind, compile, text, data, dirname), set only while js/commonjs.js runs. verge-js commonjs.rs; verge-js js/commonjs.js. */
  const commonjsHost: Record<string, Function>;
  /** CommonJS `load(name)`, read by commonjs.rs right after js/commonjs.js defines it, then removed. verge-js js/commonjs.js; commonjs.rs. */
  function commonjsLoad(name: string): unknown;

  // ---- loading (verge-web) ----
  /** Defines a global as the platform does (non-enumerable, writable). js/lazy.js; every platform file. */
  function defineGlobal(name: string, value: unknown): void;
  /** Puts the stand-ins for LAZY_FILES in place ("name|globals|keys;..."). js/lazy.js; lib.rs install_lazy_files. */
  function installLazy(spec: string): void;
  /** Loads one LAZY_FILES entry (installs its host ops first). Host op, lib.rs; js/lazy.js. */
  function loadPlatformFile(name: string): void;
  /** Loads Intl (js/intl.js and its host ops). Host op, lib.rs; js/intl_lazy.js. */
  function loadIntl(): void;

  // ---- host ops of verge-web ----
  /** TextEncoder/TextDecoder operations. encoding.rs; js/encoding.js, js/fetch.js, js/streams.js. */
  const encoding: Record<string, Function>;
  /** URL parsing operations. url.rs; js/url.js. */
  const url: Record<string, Function>;
  /** crypto.getRandomValues / randomUUID. random.rs; js/global.js. */
  const random: Record<string, Function>;
  /** Intl operations (installed by loadIntl). intl.rs; js/intl.js. */
  const intl: Record<string, Function>;
  /** Compression streams' operations (lazy). compression.rs; js/compression.js. */
  const compression: Record<string, Function>;
  /** URLPattern operations (lazy). url_pattern.rs; js/url_pattern.js. */
  const urlPattern: Record<string, Function>;
  /** WebSocket endpoint operations (lazy). websocket.rs; js/websocket.js. */
  const wsOps: Record<string, Function>;
  /** Outbound HTTP: resolves to {status, statusText, headers, url, redirected, body}. fetch.rs; js/fetch.js. */
  function fetch(method: string, url: string, headers: string[], body: Uint8Array | null, manualRedirect: boolean): Promise<object>;
  /** `fetch` with `cf` options through the subrequest cache (resolves like internal.fetch; fetches on a miss). verge-cache js.rs; js/fetch.js. */
  function cachedFetch(method: string, url: string, headers: string[], body: Uint8Array | null, manualRedirect: boolean, cf: object): Promise<object>;
  /** A Headers from [name, value, ...]. lib.rs; js/fetch.js. */
  function headersFromFlat(flat: string[], immutable: boolean): Headers;
  /** Appends content-type unless present (one host call). lib.rs; js/fetch.js. */
  function defaultContentType(headers: Headers, value: string): void;
  /** A Headers' sorted entries as [name, value, ...] (no iterator protocol). lib.rs; js/fetch.js. */
  function headersToFlat(headers: Headers): string[];
  /** "arraybuffer" or "blob" (compatibility flag websocket_standard_binary_type). lib.rs; js/websocket.js. */
  const wsBinaryType: string;
  /** Makes a Headers immutable or mutable. lib.rs; js/fetch.js. */
  function setHeadersGuard(headers: Headers, immutable: boolean): void;
  /** Next chunk of a host body stream (Uint8Array), or undefined at its end. body.rs; js/fetch.js. */
  function readBody(reader: Host): Promise<Uint8Array | undefined>;
  /** Drops a host body stream unread. body.rs; js/fetch.js, verge-durable js/durable.js. */
  function cancelBody(reader: Host): void;
  /** Who owns a timer set now (a request, unbounded work, nobody). host.rs; js/global.js. */
  function timerScope(): Host;
  /** Resolves true after `ms`, false when the owner's work ended first. host.rs; js/global.js, verge-durable js/durable.js. */
  function sleep(ms: number, scope?: Host): Promise<boolean>;
  /** Resolves once the current job queue has drained. host.rs; verge-durable js/durable.js. */
  function nextTurn(): Promise<void>;
  /** One console line to the log (level 0 debug .. 3 error). host.rs; js/global.js. */
  function log(level: number, message: string): void;

  // ---- js/global.js ----
  /** `inspect`-style text of a thrown value. js/fetch.js (waitUntil rejections), verge-durable. */
  function describeError(e: unknown): string;
  /** Logs "Uncaught <error>". js/fetch.js, verge-durable js/durable.js. */
  function reportError(e: unknown): void;
  /** The structured-clone algorithm. js/websocket.js. */
  function structuredClone(v: unknown): unknown;

  // ---- js/fetch.js: the entry points of verge-web src/invoke.rs ----
  /** A worker's fetch event: builds Request and ExecutionContext, calls the handler (an object, or a WorkerEntrypoint class made for the event). invoke.rs. */
  function serve(handler: object | Function, env: object, method: string, url: string, headers: Headers, reader: Host | null, cfJson: string | null, propsJson?: string | null): [EventResult | Promise<EventResult>, object];
  /** A new ExecutionContext whose `props` are the JSON given (`{}` for null). js/fetch.js; js/rpc.js. */
  function newExecutionContext(propsJson: string | null): object;
  /** A worker's scheduled event. invoke.rs. */
  function runScheduled(exports: object, env: object, cron: string, scheduledTime: number): [EventResult | Promise<EventResult>, object];
  /** A queue consumer's event: builds the MessageBatch over a host recorder (queue.rs), calls the handler. invoke.rs. */
  function runQueue(exports: object, env: object, queue: string, messages: unknown[][], host: Host, metrics: unknown[]): [EventResult | Promise<EventResult>, object];
  /** Whether the handler called ctx.passThroughOnException(). invoke.rs. */
  function passThroughRequested(ctx: object): boolean;
  /** Settles an ExecutionContext's waitUntil promises; resolves to the rejections' texts. invoke.rs. */
  function settleWaitUntil(ctx: object): Promise<string[]>;
  /** waitUntil promises registered so far. invoke.rs. */
  function waitUntilCount(ctx: object): number;
  /** Next chunk of a response body's reader (Uint8Array), undefined at the end, or [error]. invoke.rs, body.rs. */
  function readChunk(reader: object): Promise<Uint8Array | undefined | [unknown]>;
  /** Cancels a response body's reader (the client went away). invoke.rs. */
  function cancelChunks(reader: object): void;
  /** Request and Response as defined here (a guest may replace the globals). js/websocket.js. */
  const fetchClasses: { Request: Function; Response: Function };
  /** A Request over host parts (a Durable Object's incoming request). verge-durable js/durable.js. */
  function incomingRequest(method: string, url: string, headers: Headers, reader: Host | null, cfJson: string | null): Request;
  /** A Response as the host reads it (EventResult); marks its body used. verge-durable js/durable.js. */
  function responseParts(r: Response): EventResult;
  /** A Request's or Response's body for the host: null, string, bytes, host stream, or a pull function. verge-durable js/durable.js. */
  function hostBody(r: Request | Response): null | string | Uint8Array | Host | (() => Promise<unknown>);
  /** [method, url, headers] of a Request, or null. verge-cache js/cache.js. */
  function requestHead(r: unknown): [string, string, Headers] | null;
  /** [status, headers, type, hasWebSocket] of a Response, or null. verge-cache js/cache.js. */
  function responseHead(r: unknown): [number, Headers, string, boolean, string] | null;
  /** A Response over a host stream (a Durable Object stub's result, a cache match). verge-durable js/durable.js, verge-cache js/cache.js. */
  function hostResponse(status: number, headers: Headers, reader: Host | null): Response;
  /** Body byte helpers {toBytes, concat}. js/form.js, js/streams.js. */
  const bodyBytes: { toBytes(x: unknown): Uint8Array | null; concat(chunks: Uint8Array[]): Uint8Array };

  // ---- js/workers.js ----
  /** The exports of the built-in module "cloudflare:workers" (env added by WebExtension::env). lib.rs. */
  const cloudflareWorkers: { DurableObject: Function; WorkerEntrypoint: Function; RpcTarget: Function; env?: object };

  // ---- js/rpc.js: calls between isolates (src/remote.rs, src/service.rs) ----
  /** The structured-clone serializer {serialize, deserialize}. js/rpc.js; verge-durable js/durable.js, js/service.js, js/websocket.js, js/fetch.js (queue messages), verge-queues src/js.rs (v8 bodies). */
  const v8: { serialize(v: unknown): string; deserialize(s: string): unknown; serializeRpc(v: unknown): string; deserializeRpc(s: string): unknown };
  /** The error a failed remote call rethrows (`[false, serialized, thrownByCallee, message]`). js/rpc.js; js/service.js, verge-durable js/durable.js. */
  function remoteError(res: unknown[]): Error;
  /** The Response of a remote fetch (`[true, status, flatHeaders, body, ticket?]`), or throws its error. js/rpc.js; js/service.js, verge-durable js/durable.js. */
  function remoteResponse(res: unknown[]): Response;
  /** This isolate's worker version (verge-js registry::live), as RPC stubs name it. verge-js isolate.rs; js/rpc.js. */
  const isolateKey: string;
  /** Host ops of values handed out by reference {exported, call}. stubs.rs; js/rpc.js. */
  const rpcOps: Record<string, Function>;
  /** Drops values handed out by reference whose owner's work is over. js/rpc.js; stubs.rs. */
  function rpcDrop(ids: number[]): void;
  /** A call on a value this isolate handed out (method "" calls it, args null reads). js/rpc.js; invoke.rs. */
  function stubEvent(id: number, method: string, args: string | null): [EventResult | Promise<EventResult>, null];
  /** A remote member as Workers' RpcPromise: awaiting it runs `read`, calling it runs `invoke(args)`; usable before it settles (pipelining). js/rpc.js; js/service.js. */
  function rpcMember(read: () => Promise<unknown>, invoke: (args: unknown[]) => Promise<unknown>): unknown;
  /** A stub over `target`: its own members, and any other string property a remote member through `remote(prop, args)` (args null for a read). js/rpc.js; js/service.js, verge-durable js/durable.js. */
  function rpcStub(target: object, remote: (prop: string, args: unknown[] | null) => Promise<unknown>): object;
  /** An RPC call on a worker's entrypoint (a WorkerEntrypoint class); result [0, serialized] or a failure. js/rpc.js; invoke.rs. */
  function serveRpc(handler: unknown, env: object, method: string, args: string, propsJson: string | null): [EventResult | Promise<EventResult>, object];

  // ---- service bindings (src/service.rs, js/service.js) ----
  /** Service bindings' host operations {running, fetch, rpc}. service.rs; js/service.js. */
  const serviceOps: Record<string, Function>;
  /** {make}: env.SVC for a binding. js/service.js; service.rs. */
  const service: { make: Function };

  // ---- lazy files (LAZY_FILES) ----
  /** URL and URLSearchParams classes. js/url.js; js/fetch.js. */
  const urlClasses: { URL: Function; URLSearchParams: Function };
  /** Event helpers (newSignal, ...). js/event.js; js/fetch.js, js/websocket.js. */
  const events: Record<string, Function>;
  /** Streams internals (fromBytes, fromPull, getReader, readAll, isReadableStream, ...). js/streams.js; js/fetch.js, verge-kv js.rs, js/compression.js. */
  const streams: Record<string, Function>;
  /** Blob/File/FormData internals (kBytes, multipartEncode, ...). js/form.js; js/fetch.js. */
  const form: Record<string, unknown>;
  /** structuredClone of a Blob or File, undefined for anything else; set once js/form.js has loaded (read without loading it). js/form.js; js/global.js. */
  const cloneBlob: ((v: unknown) => unknown) | undefined;
  /** WebSocket internals (handOver, fromTicket, hibernation hooks, ...). js/websocket.js; js/fetch.js, verge-durable js/durable.js. */
  const ws: Record<string, Function>;

  // ---- verge-cache ----
  /** The Cache API's host operations (match, put, delete, purge, open, ...). verge-cache js.rs; js/cache.js. */
  const cacheOps: object;
  /** `ctx.cache` ({purge}) (lazy: loads js/cache.js). verge-cache js/cache.js; js/fetch.js. */
  const executionCache: { purge(options: object): Promise<object> } | undefined;

  // ---- verge-htmlrewriter ----
  /** HTMLRewriter's host operations (checkSelector, start). verge-htmlrewriter js.rs; js/htmlrewriter.js. */
  const htmlRewriterOps: object;

  // ---- verge-crypto ----
  /** Loads Web Crypto on first use. Host op, verge-crypto js.rs; js/subtle_lazy.js. */
  function loadSubtle(): void;
  /** Web Crypto's host operations (installed by loadSubtle). verge-crypto js.rs; js/subtle.js. */
  const subtle: Record<string, Function>;
  /** The `crypto` global's object, which subtle attaches to. verge-crypto js/subtle_lazy.js; js/subtle.js. */
  const cryptoObject: object;

  // ---- verge-durable ----
  /** Durable Objects' host operations (rt, idFromName, rpc, fetch, commit, ...). verge-durable js.rs; js/durable.js. */
  const durableOps: Record<string, unknown>;
  /** {create, makeNamespace}: instance construction and env bindings. js/durable.js; verge-durable js.rs. */
  const durable: { create: Function; makeNamespace: Function };
  /** A Durable Object's events (the object target of invoke.rs). js/durable.js; invoke.rs. */
  function objectEvent(host: object, kind: string, ...payload: unknown[]): [Promise<EventResult>, null];

  // ---- verge-assets ----
  /** Static assets' host operations {fetch}. verge-assets js.rs; js/assets.js. */
  const assetsOps: Record<string, Function>;
  /** {makeFetcher}: env.ASSETS. js/assets.js; verge-assets js.rs. */
  const assets: { makeFetcher: Function };
}
