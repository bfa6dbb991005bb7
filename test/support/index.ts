// One import for tests: `import { startMockUpstream, startGateway, sseFixtureReply } from "../support/index.ts"`.
export * from "./fixtures.ts";
export * from "./gateway.ts";
export * from "./mock-upstream.ts";
export * from "./replies.ts";
export * from "./sse.ts";
export * from "./reads.ts";
