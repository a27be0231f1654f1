// do: increment a counter in one Durable Object; the write is awaited before the response.
export class Counter {
  constructor(state, env) {
    this.state = state;
  }

  async fetch() {
    const n = ((await this.state.storage.get("n")) || 0) + 1;
    await this.state.storage.put("n", n);
    return new Response(String(n));
  }
}

export default {
  async fetch(request, env) {
    const id = env.COUNTER.idFromName("bench");
    return env.COUNTER.get(id).fetch(request);
  },
};
