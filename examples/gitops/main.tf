# The configuration a GitOps repository holds: which instances get which password. The
# password itself comes from the pipeline's secrets (TF_VAR_root_password), never from git,
# and as a write-only argument it is written neither to the saved plan (an artifact of the
# pull request's job) nor to the state.
#
# To rotate: change the ROOT_PASSWORD secret, then open a pull request that bumps
# password_version in this file; merging it applies the new password.

terraform {
  required_version = ">= 1.11" # write-only arguments

  required_providers {
    zenlayer = {
      source  = "zenlayer/zenlayer"
      version = "~> 0.1"
    }
  }

  # Keep state in a backend that restricts access; it holds no password, but it is the
  # record of which instances were set.
  # backend "s3" { ... }
}

variable "endpoint" {
  description = "null in production (the public API); the local run points it at zenlayer-sim."
  type        = string
  default     = null
}

variable "root_password" {
  type      = string
  sensitive = true
  ephemeral = true # supplied again at apply time, from the same secret
}

locals {
  # Bump when the ROOT_PASSWORD secret changes: this is what makes the plan set it.
  password_version = "1"
}

provider "zenlayer" {
  endpoint = var.endpoint
}

# Two resources, within Terraform's default -parallelism of 10, so that each waits for its own
# instances' reboot at the same time as the other. A whole fleet belongs in one resource fed by
# a zenlayer_instances data source (see examples/fleet); a configuration with more resources
# than 10 sets TF_PARALLELISM for pipeline.sh.
resource "zenlayer_instance_password" "web" {
  instance_ids        = ["ins-00001", "ins-00002", "ins-00003"]
  password_wo         = var.root_password
  password_wo_version = local.password_version

  # Each reset restarts the instance: one web server at a time, the first alone, and the
  # first failure stops the rollout (the next pipeline run resumes with the rest).
  rollout {
    max_unavailable = 1
    canary          = 1
  }
}

resource "zenlayer_instance_password" "db" {
  instance_ids        = ["ins-00004"]
  password_wo         = var.root_password
  password_wo_version = local.password_version
}
