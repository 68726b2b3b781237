# Reset a large fleet from a for_each over instance ids.
#
# The instances are spread over 16 stable groups by a hash of their id, so that adding or
# removing an instance changes only its own group (an in-place update that resets only the
# added instance), and each group is one resource whose instances are reset in calls of up to
# 100. Terraform applies up to 10 groups at once; the provider's max_concurrency bounds the
# calls in flight across all of them.
#
# (A for_each with one resource per instance works too, but costs one API call per instance.)

terraform {
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
  description = "Every instance of the fleet."
  type        = set(string)
}

variable "root_password" {
  type      = string
  sensitive = true
}

provider "zenlayer" {
  endpoint = var.endpoint
}

locals {
  groups = { for id in var.instance_ids : substr(sha1(id), 0, 1) => id... }
}

resource "zenlayer_instance_password" "fleet" {
  for_each     = local.groups
  instance_ids = each.value
  password     = var.root_password
}

output "instances_reset" {
  value = sum([for g in zenlayer_instance_password.fleet : length(g.instance_ids)])
}
