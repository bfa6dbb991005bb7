// The internal stream (OpenAI chat chunks) → the Responses API's typed events:
// response.created, response.in_progress, then per output item output_item.added … output_item.done
// with the item's own events between (reasoning summary, text or refusal parts, function call
// arguments), consecutive output indexes, and at the end response.completed or response.incomplete
// holding the whole Response (usage comes in the last chunk). An error ends the stream as
// response.failed. Every event carries a sequence_number counting from 0.
//
// A reasoning_details item that arrives while the answer's text or calls are streaming (a Gemini
// text signature) cannot join an item already written: such items go out as one reasoning item at
// the end, which a later turn reads back into the same assistant message.
import type { GatewayError } from "../../../core/errors.ts";
import type { FinishReason, ToolCallDelta, Usage } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { SseEncoder } from "../../sse.ts";
import { encodeReasoningDetails } from "./reasoning.ts";
import { ending, itemId, itemStatus, outputText, reasoningItem, responseObject, toResponsesUsage, type ResponseContext } from "./response.ts";
import type { FunctionCallItem, ItemStatus, OutputItem, OutputMessageItem, OutputPart, ResponseObject } from "./types.ts";
import { responsesToolName } from "./tool-names.ts";

type CallItem = FunctionCallItem & { id: string; status: ItemStatus };

interface OpenReasoning { kind: "reasoning"; index: number; id: string; text: string; details: unknown[]; summary: boolean }
interface OpenMessage { kind: "message"; index: number; item: OutputMessageItem; part: OutputPart | undefined }
interface OpenCall { index: number; item: CallItem }

export class ResponsesStreamEncoder implements SseEncoder {
  private seq = 0;
  private started = false;
  private native = false;
  private readonly output: OutputItem[] = [];
  private open: OpenReasoning | OpenMessage | undefined;
  /** Function calls still taking argument pieces, by the chunk's tool-call index. */
  private readonly calls = new Map<number, OpenCall>();
  /** Calls whose name has not come yet, by the chunk's tool-call index. */
  private readonly pending = new Map<number, { id: string; name: string; args: string }>();
  private callsOpen = false;
  private readonly lateDetails: unknown[] = [];
  private finish: FinishReason | null = null;
  private usage: Usage | undefined;
  private result: ResponseObject | undefined;

  constructor(private readonly ctx: ResponseContext) {}

  /** After end("done"): the Response the stream described; undefined before, after an error, or for a natively relayed stream. */
  get final(): ResponseObject | undefined {
    return this.result;
  }

  chunk(event: Extract<StreamEvent, { type: "chunk" }>): string {
    if (event.sse !== undefined) {
      this.native = true;
      return event.sse;
    }
    const chunk = event.chunk;
    let out = this.started ? "" : this.start();
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning_content;
    if (typeof reasoning === "string" && reasoning !== "") out += this.reasoningText(reasoning);
    if (Array.isArray(delta.reasoning_details) && delta.reasoning_details.length > 0) out += this.details(delta.reasoning_details);
    if (typeof delta.content === "string" && delta.content !== "") out += this.messageDelta("output_text", delta.content);
    if (typeof delta.refusal === "string" && delta.refusal !== "") out += this.messageDelta("refusal", delta.refusal);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) out += this.toolCall(call);
    if (choice.finish_reason != null) {
      this.finish = choice.finish_reason;
      out += this.closeAll();
    }
    return out;
  }

  error(err: GatewayError): string {
    let out = this.started ? "" : this.start();
    for (const item of this.output) if ("status" in item && item.status === "in_progress") item.status = "incomplete";
    const response = responseObject(this.ctx, this.output, { status: "failed", incomplete_details: null, error: { code: errorCode(err), message: err.message } }, toResponsesUsage(this.usage));
    out += this.frame("response.failed", { response });
    return out;
  }

  end(outcome: "done" | "error"): string {
    if (outcome === "error" || this.native) return "";
    let out = this.started ? "" : this.start();
    out += this.closeAll();
    const end = ending(this.finish);
    const response = responseObject(this.ctx, this.output, { ...end, error: null }, toResponsesUsage(this.usage));
    this.result = response;
    return out + this.frame(end.status === "completed" ? "response.completed" : "response.incomplete", { response });
  }

  private frame(type: string, data: object): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }

  private start(): string {
    this.started = true;
    const response = responseObject(this.ctx, [], { status: "in_progress", incomplete_details: null, error: null }, undefined);
    return this.frame("response.created", { response }) + this.frame("response.in_progress", { response });
  }

  private status(): ItemStatus {
    return itemStatus(ending(this.finish));
  }

  private added(item: OutputItem): string {
    this.output.push(item);
    return this.frame("response.output_item.added", { output_index: this.output.length - 1, item });
  }

  private reasoningText(text: string): string {
    let out = "";
    if (this.open?.kind !== "reasoning") out += this.openReasoning();
    const r = this.open as OpenReasoning;
    const at = { item_id: r.id, output_index: r.index, summary_index: 0 };
    if (!r.summary) {
      r.summary = true;
      out += this.frame("response.reasoning_summary_part.added", { ...at, part: { type: "summary_text", text: "" } });
    }
    r.text += text;
    const item = this.output[r.index] as ReturnType<typeof reasoningItem>;
    item.summary = [{ type: "summary_text", text: r.text }];
    return out + this.frame("response.reasoning_summary_text.delta", { ...at, delta: text });
  }

  private details(details: unknown[]): string {
    if (this.open?.kind === "reasoning") {
      this.open.details.push(...details);
      return "";
    }
    if (this.open !== undefined || this.callsOpen || this.output.length > 0) {
      this.lateDetails.push(...details);
      return "";
    }
    // Reasoning that is only details (redacted thinking) opens the answer.
    const out = this.openReasoning();
    (this.open as unknown as OpenReasoning).details.push(...details);
    return out;
  }

  private openReasoning(): string {
    const out = this.closeOpen();
    const id = itemId("rs");
    const index = this.output.length;
    this.open = { kind: "reasoning", index, id, text: "", details: [], summary: false };
    return out + this.added({ id, type: "reasoning", summary: [] });
  }

  private messageDelta(type: "output_text" | "refusal", text: string): string {
    let out = "";
    if (this.open?.kind !== "message") {
      out += this.closeOpen();
      const item: OutputMessageItem = { id: itemId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
      out += this.added(item);
      this.open = { kind: "message", index: this.output.length - 1, item, part: undefined };
    }
    const m = this.open as OpenMessage;
    if (m.part?.type !== type) {
      out += this.closePart(m);
      const part: OutputPart = type === "output_text" ? outputText("") : { type: "refusal", refusal: "" };
      m.item.content.push(part);
      m.part = part;
      out += this.frame("response.content_part.added", { item_id: m.item.id, output_index: m.index, content_index: m.item.content.length - 1, part });
    }
    const at = { item_id: m.item.id, output_index: m.index, content_index: m.item.content.length - 1 };
    const part = m.part!;
    if (part.type === "output_text") {
      part.text += text;
      return out + this.frame("response.output_text.delta", { ...at, delta: text, logprobs: [] });
    }
    part.refusal += text;
    return out + this.frame("response.refusal.delta", { ...at, delta: text });
  }

  private closePart(m: OpenMessage): string {
    const part = m.part;
    if (!part) return "";
    m.part = undefined;
    const at = { item_id: m.item.id, output_index: m.index, content_index: m.item.content.length - 1 };
    const done = part.type === "output_text"
      ? this.frame("response.output_text.done", { ...at, text: part.text, logprobs: [] })
      : this.frame("response.refusal.done", { ...at, refusal: part.refusal });
    return done + this.frame("response.content_part.done", { ...at, part });
  }

  /**
   * A call's item opens once its name is known (upstreams send id and name first; pieces before
   * them wait); its argument pieces are argument deltas. Calls stay open until the answer ends, so
   * a piece that comes late for an earlier call (even after text) still lands in it before its done event.
   */
  private toolCall(call: ToolCallDelta): string {
    const ordinal = typeof call.index === "number" ? call.index : 0;
    const args = typeof call.function?.arguments === "string" ? call.function.arguments : "";
    const open = this.calls.get(ordinal);
    // A piece for a call that already ended (after the finish) has no item left to go to.
    if (open !== undefined) return open.item.status === "in_progress" ? this.argumentsDelta(open, args) : "";
    let pending = this.pending.get(ordinal);
    if (pending === undefined) this.pending.set(ordinal, (pending = { id: "", name: "", args: "" }));
    if (pending.id === "" && typeof call.id === "string") pending.id = call.id;
    if (pending.name === "" && typeof call.function?.name === "string") pending.name = call.function.name;
    pending.args += args;
    return pending.name === "" ? "" : this.openCall(ordinal);
  }

  private openCall(ordinal: number): string {
    const pending = this.pending.get(ordinal)!;
    this.pending.delete(ordinal);
    const out = this.closeOpen();
    const id = itemId("fc");
    const item: CallItem = { type: "function_call", id, call_id: pending.id || `call_${id.slice(3, 27)}`, ...responsesToolName(pending.name, this.ctx.echo.tools), arguments: "", status: "in_progress" };
    const open = { index: this.output.length, item };
    this.calls.set(ordinal, open);
    this.callsOpen = true;
    return out + this.added(item) + this.argumentsDelta(open, pending.args);
  }

  private argumentsDelta(open: OpenCall, args: string): string {
    if (args === "") return "";
    open.item.arguments += args;
    return this.frame("response.function_call_arguments.delta", { item_id: open.item.id, output_index: open.index, delta: args });
  }

  /** The open reasoning or message item ends. */
  private closeOpen(): string {
    const open = this.open;
    if (!open) return "";
    this.open = undefined;
    if (open.kind === "message") {
      const out = this.closePart(open);
      open.item.status = this.status();
      return out + this.frame("response.output_item.done", { output_index: open.index, item: open.item });
    }
    let out = "";
    if (open.summary) {
      const at = { item_id: open.id, output_index: open.index, summary_index: 0 };
      out += this.frame("response.reasoning_summary_text.done", { ...at, text: open.text })
        + this.frame("response.reasoning_summary_part.done", { ...at, part: { type: "summary_text", text: open.text } });
    }
    const item = reasoningItem(open.id, open.text, open.details);
    this.output[open.index] = item;
    return out + this.frame("response.output_item.done", { output_index: open.index, item });
  }

  /** At the answer's end every open item ends: the open one, the calls (in order), and a closing reasoning item for late details. */
  private closeAll(): string {
    let out = this.closeOpen();
    // A call that never got a name still ends as an item.
    for (const ordinal of [...this.pending.keys()]) out += this.openCall(ordinal);
    if (this.callsOpen) {
      this.callsOpen = false;
      const status = this.status();
      for (const { index, item } of this.calls.values()) {
        if (item.status !== "in_progress") continue;
        out += this.frame("response.function_call_arguments.done", { item_id: item.id, output_index: index, name: item.name, arguments: item.arguments });
        item.status = status;
        out += this.frame("response.output_item.done", { output_index: index, item });
      }
    }
    if (encodeReasoningDetails(this.lateDetails) !== undefined) {
      const item = reasoningItem(itemId("rs"), "", this.lateDetails.splice(0));
      out += this.added({ id: item.id, type: "reasoning", summary: [] });
      out += this.frame("response.output_item.done", { output_index: this.output.length - 1, item });
      this.output[this.output.length - 1] = item;
    }
    return out;
  }
}

/** A GatewayError → the Response's error code (OpenAI's names where one fits). */
function errorCode(err: GatewayError): string {
  if (err.status === 429) return "rate_limit_exceeded";
  if (err.status >= 500 || err.type === "timeout") return "server_error";
  return err.code ?? err.kind;
}
