// The Lambda events this host accepts, as zod schemas of the fields it reads (other fields pass).

import { z } from 'zod';
import { SweepMessageSchema, WakeMessageSchema } from '@cairn/core';

/** An EventBridge rule's scheduled event (`rate(5 minutes)`): the sweeper tick. See `ScheduledEvent` in @types/aws-lambda. */
export const ScheduledEventSchema = z.object({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
  time: z.string(),
  resources: z.array(z.string()),
});

/** A Function URL or API Gateway HTTP API (payload format 2.0) request. See `APIGatewayProxyEventV2`. */
export const HttpEventV2Schema = z.object({
  version: z.literal('2.0'),
  rawPath: z.string().startsWith('/'),
  rawQueryString: z.string().optional(),
  cookies: z.array(z.string()).optional(),
  headers: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    domainName: z.string().optional(),
    http: z.object({ method: z.string().min(1) }),
  }),
});
export type HttpEventV2 = z.infer<typeof HttpEventV2Schema>;

const StringMap = z.record(z.string(), z.string().nullable().optional()).nullable().optional();
const StringsMap = z.record(z.string(), z.array(z.string()).nullable().optional()).nullable().optional();

/**
 * An API Gateway REST API (or HTTP API payload 1.0) request, or an Application Load Balancer request (its
 * `requestContext.elb`). See `APIGatewayProxyEvent` and `ALBEvent` in @types/aws-lambda.
 */
export const HttpEventV1Schema = z.object({
  version: z.literal('1.0').optional(),
  httpMethod: z.string().min(1),
  path: z.string().startsWith('/'),
  headers: StringMap,
  multiValueHeaders: StringsMap,
  queryStringParameters: StringMap,
  multiValueQueryStringParameters: StringsMap,
  body: z.string().nullable().optional(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z
    .object({
      domainName: z.string().optional(),
      elb: z.object({ targetGroupArn: z.string() }).optional(),
    })
    .optional(),
});
export type HttpEventV1 = z.infer<typeof HttpEventV1Schema>;

export type LambdaEvent =
  | { kind: 'wake'; message: z.infer<typeof WakeMessageSchema> }
  | { kind: 'sweep'; limit: number | undefined }
  | { kind: 'http'; event: HttpEventV2 }
  | { kind: 'http-v1'; event: HttpEventV1; source: 'rest' | 'alb' };

/** Which of the accepted events this is, or null. */
export function classifyEvent(event: unknown): LambdaEvent | null {
  const wake = WakeMessageSchema.safeParse(event);
  if (wake.success) return { kind: 'wake', message: wake.data };
  const sweep = SweepMessageSchema.safeParse(event);
  if (sweep.success) return { kind: 'sweep', limit: sweep.data.limit };
  if (ScheduledEventSchema.safeParse(event).success) return { kind: 'sweep', limit: undefined };
  const http = HttpEventV2Schema.safeParse(event);
  if (http.success) return { kind: 'http', event: http.data };
  const v1 = HttpEventV1Schema.safeParse(event);
  if (v1.success) return { kind: 'http-v1', event: v1.data, source: v1.data.requestContext?.elb ? 'alb' : 'rest' };
  return null;
}

/** The part of Lambda's `Context` this host uses. */
export const ContextSchema = z.object({
  getRemainingTimeInMillis: z.custom<() => number>((value) => typeof value === 'function', 'a function'),
});
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}
