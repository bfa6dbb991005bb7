import type * as v from "valibot";
import { strictObject } from "../../config/schema-kit.ts";
import { credential, requiredMatching } from "../shared/config-fields.ts";

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** A bedrock block's own fields. */
export const bedrockSettings = strictObject({
  region: requiredMatching(
    REGION,
    'required for bedrock (e.g. "us-east-1"); it picks the endpoint and is part of every request signature',
    (value) => `"${value}" is not an AWS region name (e.g. "us-east-1")`,
  ),
});

/** A bedrock key: AWS keys for SigV4, or a Bedrock API key in the shared `value`. */
export const bedrockKeyFields = strictObject({
  access_key_id: credential,
  secret_access_key: credential,
  session_token: credential,
});

export type BedrockSettings = v.InferOutput<typeof bedrockSettings>;
export type BedrockKeyFields = v.InferOutput<typeof bedrockKeyFields>;
