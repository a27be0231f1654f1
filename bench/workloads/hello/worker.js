// hello: the smallest possible handler; measures the runtime's fixed cost per request.
export default {
  fetch() {
    return new Response("Hello World!", {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
  },
};
