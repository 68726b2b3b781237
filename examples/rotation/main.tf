# Rotation on a schedule: a pipeline runs `terraform apply` every month with the new password
# and the rotation's name, for example
#
#   TF_VAR_root_password=... terraform apply -var rotation=2026-12
#
# The password is write-only (Terraform 1.11 and later): it is never in the plan or the state.
# A new `rotation` replaces the resource, which sets the password on every instance again.
terraform {
  required_version = ">= 1.11"
  required_providers {
    zenlayer = {
      source = "zenlayer/zenlayer"
    }
  }
}

variable "root_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "rotation" {
  type        = string
  description = "Name of this rotation (a month, the secret's version): change it to set the password again."
}

variable "instance_ids" {
  type    = list(string)
  default = ["ins-00001", "ins-00002"]
}

resource "zenlayer_instance_password" "fleet" {
  instance_ids        = var.instance_ids
  password_wo         = var.root_password
  password_wo_version = var.rotation
}
