// Base classes exported by the built-in module "cloudflare:workers".
"use strict";
class DurableObject {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
}
class WorkerEntrypoint {
  constructor(ctx, env) { this.ctx = ctx; this.env = env; }
}
class RpcTarget {}
internal.cloudflareWorkers = { DurableObject, WorkerEntrypoint, RpcTarget };
