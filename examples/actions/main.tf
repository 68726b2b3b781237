# Reset passwords on demand or on a rotation schedule with the zenlayer_instance_password_reset
# action (Terraform 1.14 and later). An action keeps no state: each run resets every listed
# instance again.
#
# On demand (a break-glass reset of a few machines), without changing any resource:
#
#   terraform apply -invoke=action.zenlayer_instance_password_reset.rotate
#
# On a rotation: change var.rotation (for example to the month, "2026-12") and apply. The
# terraform_data below holds the marker, and its action_trigger fires the action when it is
# created and each time the marker changes; an apply with the same marker resets nothing.

terraform {
  required_version = ">= 1.14.0"
  required_providers {
    zenlayer = {
      source = "zenlayer/zenlayer"
    }
  }
}

variable "endpoint" {
  type    = string
  default = null
}

variable "instance_ids" {
  description = "The instances whose password the action sets."
  type        = set(string)
  default     = ["ins-00001", "ins-00002", "ins-00003"]
}

variable "rotation" {
  description = "Change it to set the password again (a date, a counter, a ticket number)."
  type        = string
  default     = "2026-11"
}

# Ephemeral: Terraform keeps it out of the plan and the state, and the action's password_wo is
# write-only. Give it with TF_VAR_reset_password or a secret manager's ephemeral resource.
variable "reset_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "zenlayer" {
  # Credentials come from ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD.
  endpoint = var.endpoint
}

action "zenlayer_instance_password_reset" "rotate" {
  config {
    instance_ids = var.instance_ids
    password_wo  = var.reset_password
    timeout      = "30m"
  }
}

resource "terraform_data" "rotation" {
  input = var.rotation

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.zenlayer_instance_password_reset.rotate]
    }
  }
}
