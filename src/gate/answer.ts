/**
 * @module gate/answer
 * The gate's answer document: what `POST /v1/gate` returns and what is stored as the decision's
 * record, the same JSON either way (snake_case, as the API speaks). Pure.
 */
import { causeWire } from '../attribution/index.js';
import type { GateInput, GateVerdict } from './types.js';

export interface GateAnswerContext {
  decisionId: string;
  decidedAtMs: number;
  publicUrl: string;
  sloRevision: string;
}

export type GateAnswer = ReturnType<typeof gateAnswer>;

export function gateAnswer(input: GateInput, verdict: GateVerdict, ctx: GateAnswerContext) {
  const causes = verdict.decision === 'deny' ? verdict.topCauses : input.causes;
  return {
    decision: verdict.decision,
    summary: verdict.summary,
    reasons: verdict.reasons,
    checks: verdict.checks,
    evidence: {
      environment: input.request.environment,
      baseline_config_hash: input.releaseRecords.find((x) => x.baselineConfigHash !== null)?.baselineConfigHash ?? null,
      release_records: input.releaseRecords.map((r) => ({
        environment: r.environment,
        service: r.service,
        slo: r.slo,
        slo_kind: r.sloKind,
        release_bad: r.releaseBad,
        release_total: r.releaseTotal,
        baseline_config_hash: r.baselineConfigHash,
        baseline_bad: r.baselineBad,
        baseline_total: r.baselineTotal,
      })),
      rollback: input.rollback === null ? null : {
        config_hash: input.rollback.configHash,
        environment: input.rollback.environment,
        last_healthy_at: new Date(input.rollback.lastHealthyAtMs).toISOString(),
      },
      top_causes: causes.map((x) => ({ slo: x.slo, ...causeWire(x) })),
    },
    policy: input.policy?.name ?? null,
    slo_revision: ctx.sloRevision,
    dry_run: input.policy?.isDryRun ?? false,
    // An allow given by an override, a rollback or a dry run also says what the checks alone answered:
    // a dry run exists to show that, and an audit of overrides needs to see what was overridden.
    ...(verdict.decision === 'allow' ? { basis: verdict.basis } : {}),
    ...(verdict.decision === 'allow' && verdict.wouldHaveBeen !== undefined ? { would_have_been: verdict.wouldHaveBeen } : {}),
    ...(verdict.decision === 'allow' && verdict.overrideId !== undefined ? { override_id: verdict.overrideId } : {}),
    ...(verdict.decision === 'wait' ? { retry_after_seconds: verdict.retryAfterSeconds } : {}),
    decision_id: ctx.decisionId,
    url: `${ctx.publicUrl}/decisions/${ctx.decisionId}`,
    decided_at: new Date(ctx.decidedAtMs).toISOString(),
  };
}
