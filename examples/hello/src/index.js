// A small Workers app: routing, JSON, a cookie, request.cf, and a streamed response.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/":
        return new Response(`${env.GREETING} from verge! Try /json, /visits or /stream.\n`);
      case "/json":
        return Response.json({
          greeting: env.GREETING,
          method: request.method,
          query: Object.fromEntries(url.searchParams),
          country: request.cf?.country,
          colo: request.cf?.colo,
        });
      case "/visits": {
        const cookie = request.headers.get("cookie") ?? "";
        const visits = Number(/(?:^|;\s*)visits=(\d+)/.exec(cookie)?.[1] ?? 0) + 1;
        return new Response(`visit number ${visits}\n`, {
          headers: { "set-cookie": `visits=${visits}; Path=/; HttpOnly` },
        });
      }
      case "/stream": {
        const encoder = new TextEncoder();
        let n = 0;
        return new Response(
          new ReadableStream({
            async pull(controller) {
              if (n === 5) return controller.close();
              await scheduler.wait(100);
              controller.enqueue(encoder.encode(`tick ${++n}\n`));
            },
          }),
          { headers: { "content-type": "text/plain; charset=utf-8" } },
        );
      }
      default:
        return new Response("Not found\n", { status: 404 });
    }
  },
};
