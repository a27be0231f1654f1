// Service bindings: env.SVC is a Fetcher whose `fetch` sends a request to another worker of
// the deployment and whose other properties are RPC methods of its entrypoint. Host
// operations: internal.serviceOps (src/service.rs); serialization and results: js/rpc.js.
//
// Every built-in comes from `primordials` or is captured when this file runs, before guest code.
"use strict";
const ops = internal.serviceOps;
const { Error: $Error } = primordials;
const { Request, Response } = internal.fetchClasses;
const serialize = internal.v8.serializeRpc, deserialize = internal.v8.deserializeRpc;
const headersToFlat = internal.headersToFlat;
const rawThen = primordials.PromisePrototype.then;

// What wrangler says when the bound worker is not running (miniflare's dev registry).
function session(service, entrypoint) {
  return "find a local dev session for the \"" + (entrypoint ?? "default") + "\" entrypoint of service \"" + service + "\" to proxy to";
}
function makeFetcher(i, service, entrypoint) {
  const target = {
    async fetch(input, init = undefined) {
      const req = new Request(input, init);
      if (!ops.running(i)) return new Response("Couldn't " + session(service, entrypoint), { status: 503 });
      // The body streams to the callee (js/fetch.js internal.hostBody, body.rs outgoing_stream).
      const res = await ops.fetch(i, [req.method, req.url, headersToFlat(req.headers), rawThen], internal.hostBody(req));
      return internal.remoteResponse(res);
    },
  };
  return internal.rpcStub(target, remote);
  async function remote(prop, args) {
    if (!ops.running(i)) throw new $Error("Cannot access \"" + prop + "\" as we couldn't " + session(service, entrypoint) + ".");
    const res = await ops.rpc(i, prop, args === null ? null : serialize(args));
    if (!res[0]) throw internal.remoteError(res);
    return deserialize(res[1]);
  }
}
internal.service = { make: makeFetcher };
