import { z } from 'zod';
import { durationMs } from '../../src/config/duration.js';
import { approvalFields, type ApprovalPolicy } from './approval-policy.js';

/** Hetzner's own bounds for a volume's size in GB. */
const HETZNER_MIN_GB = 10;
export const HETZNER_MAX_GB = 10240;

const repoName = z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/repo');

export const workflowSchema = z.strictObject({
  repo: repoName,
  /** Workflow file name (or id) with a `workflow_dispatch` trigger. */
  workflow: z.string().min(1),
  /** @defaultValue main */
  ref: z.string().min(1).default('main'),
});

export const terraformSchema = z.strictObject({
  repo: repoName,
  path: z.string().min(1),
  /** Terraform address of the volume, e.g. hcloud_volume.data. */
  resource: z.string().regex(/^hcloud_volume\.[A-Za-z_][\w-]*$/, 'must be hcloud_volume.<name>'),
  /** Branch the pull request targets. @defaultValue main */
  base: z.string().min(1).default('main'),
});

/** Fields a volume entry may override; absent ones come from the section. */
const policyFields = {
  /** Hard cap in GB, never exceeded. @defaultValue 100 */
  maxSizeGb: z.number().int().min(HETZNER_MIN_GB).max(HETZNER_MAX_GB),
  /** Grow by this percentage of the current size (rounded up to whole GB). @defaultValue 25 */
  stepPercent: z.number().positive().max(1000),
  /** ...but by at least this many GB. @defaultValue 10 */
  minStepGb: z.number().int().min(1).max(HETZNER_MAX_GB),
  /** Per volume, from the moment a resize is issued. @defaultValue 1h */
  cooldown: durationMs,
  /** Plan and report only. @defaultValue false */
  dryRun: z.boolean(),
  filesystem: z.strictObject({ workflow: workflowSchema.optional() }),
  terraform: terraformSchema,
  ...approvalFields,
};

export const volumeEntrySchema = z
  .strictObject({
    id: z.number().int().positive().optional(),
    name: z.string().min(1).optional(),
    maxSizeGb: policyFields.maxSizeGb.optional(),
    stepPercent: policyFields.stepPercent.optional(),
    minStepGb: policyFields.minStepGb.optional(),
    cooldown: policyFields.cooldown.optional(),
    dryRun: policyFields.dryRun.optional(),
    filesystem: policyFields.filesystem.optional(),
    terraform: policyFields.terraform.optional(),
    approval: policyFields.approval.optional(),
    approvalTimeout: policyFields.approvalTimeout.optional(),
  })
  .refine((v) => v.id !== undefined || v.name !== undefined, 'needs an id or a name');

export const volumeResizeSettingsSchema = z.strictObject({
  maxSizeGb: policyFields.maxSizeGb.default(100),
  stepPercent: policyFields.stepPercent.default(25),
  minStepGb: policyFields.minStepGb.default(10),
  cooldown: policyFields.cooldown.default(3_600_000),
  dryRun: policyFields.dryRun.default(false),
  approval: policyFields.approval.default('never'),
  approvalTimeout: policyFields.approvalTimeout.default(3_600_000),
  /** Resizes per rolling hour across all volumes; beyond it nothing is resized. @defaultValue 3 */
  hourlyBudget: z.number().int().min(0).max(1000).default(3),
  /** How long to wait for Hetzner's resize action. @defaultValue 10m */
  actionTimeout: durationMs.default(600_000),
  /** How often the resize action is polled. @defaultValue 2s */
  actionPollInterval: durationMs.default(2_000),
  filesystem: policyFields.filesystem.optional(),
  terraform: policyFields.terraform.optional(),
  /** The allowlist: only these volumes are ever resized. */
  volumes: z.array(volumeEntrySchema).default([]),
});

export type VolumeResizeSettings = z.infer<typeof volumeResizeSettingsSchema>;
export type VolumeEntry = z.infer<typeof volumeEntrySchema>;

/** The policy that applies to one volume: the entry's overrides over the section's values. */
export interface VolumePolicy {
  maxSizeGb: number;
  stepPercent: number;
  minStepGb: number;
  cooldownMs: number;
  dryRun: boolean;
  workflow?: z.infer<typeof workflowSchema>;
  terraform?: z.infer<typeof terraformSchema>;
  approval: ApprovalPolicy;
  approvalTimeoutMs: number;
}

export function volumePolicy(settings: VolumeResizeSettings, entry: VolumeEntry): VolumePolicy {
  return {
    maxSizeGb: entry.maxSizeGb ?? settings.maxSizeGb,
    stepPercent: entry.stepPercent ?? settings.stepPercent,
    minStepGb: entry.minStepGb ?? settings.minStepGb,
    cooldownMs: entry.cooldown ?? settings.cooldown,
    dryRun: entry.dryRun ?? settings.dryRun,
    // A volume's own `filesystem` (even `{}`: no workflow) replaces the section's.
    workflow: entry.filesystem ? entry.filesystem.workflow : settings.filesystem?.workflow,
    terraform: entry.terraform ?? settings.terraform,
    approval: entry.approval ?? settings.approval,
    approvalTimeoutMs: entry.approvalTimeout ?? settings.approvalTimeout,
  };
}
