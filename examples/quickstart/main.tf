# Quickstart: reset the root password of a few instances.
# The demo (scripts/demo.sh) applies this against a local zenlayer-sim; against the cloud, set
# ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD and leave endpoint unset.

terraform {
  required_providers {
    zenlayer = {
      source = "zenlayer/zenlayer"
    }
  }
}

variable "endpoint" {
  description = "API base URL; null means the environment variable ZENLAYERCLOUD_ENDPOINT, else the public API."
  type        = string
  default     = null
}

variable "instance_ids" {
  description = "Instances whose root password is set."
  type        = set(string)
}

variable "root_password" {
  description = "The new password: 8-16 characters with a-z, A-Z, 0-9 and one of !@#$%^+*()."
  type        = string
  sensitive   = true
}

provider "zenlayer" {
  endpoint = var.endpoint
}

resource "zenlayer_instance_password" "quickstart" {
  instance_ids = var.instance_ids
  password     = var.root_password
}

output "request_ids" {
  description = "Give these to Zenlayer support to trace the reset."
  value       = zenlayer_instance_password.quickstart.request_ids
}
