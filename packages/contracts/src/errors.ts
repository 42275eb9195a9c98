import { z } from 'zod';

/** The one error shape every edge function and RPC wrapper answers with. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/, 'machine-readable snake_case code'),
    message: z.string().min(1),
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
