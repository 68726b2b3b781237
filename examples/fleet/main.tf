# Reset the password of a whole fleet, selected with the zenlayer_instances data source, a
# slice at a time: every reset restarts the instance, so the rollout block keeps at most
# `max_unavailable` of them out of RUNNING at once (a sliding window: as one comes back, the
# next starts). 1,000 instances at 100 at a time with a 5 s reboot take about 10 reboots; see
# the docs' large-fleet guide for the figures, the canary and one zone at a time.
#
# One resource resets the fleet in ceil(N/100) calls. Adding an instance to the fleet is an
# in-place update that resets only it.
#
# To split the fleet anyway (smaller states and plans to read), raise `buckets`: the instances
# are spread by a hash of their id, so adding one changes only its bucket. Keep the number of
# buckets at most Terraform's -parallelism (10 by default), or pass -parallelism=BUCKETS. Each
# bucket's rollout counts only its own instances: set `fleet_max_unavailable` to bound the
# whole fleet, across buckets. Choose `buckets` once: changing it moves most instances to
# another bucket, which resets them again.
#
# With Terraform 1.11 or later, give the password to password_wo instead (see examples/write-only).

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

variable "selector_tags" {
  description = "Tags every instance of the fleet has."
  type        = map(string)
  default     = { env = "prod" }
}

variable "zone_id" {
  description = "Only instances in this zone; null for every zone."
  type        = string
  default     = null
}

variable "buckets" {
  description = "How many resources the fleet is spread over: 1 (fastest), at most Terraform's -parallelism (10 by default)."
  type        = number
  default     = 1
}

variable "max_unavailable" {
  description = "Instances of each resource out of RUNNING at once: a count (25) or a percentage of its instances (\"10%\")."
  type        = string
  default     = "10%"
}

variable "fleet_max_unavailable" {
  description = "Instances out of RUNNING at once across every bucket; null for no bound but each resource's."
  type        = number
  default     = null
}

variable "root_password" {
  type      = string
  sensitive = true
}

provider "zenlayer" {
  endpoint        = var.endpoint
  max_unavailable = var.fleet_max_unavailable
}

data "zenlayer_instances" "fleet" {
  tags    = var.selector_tags
  zone_id = var.zone_id
  details = false # only the ids are needed: Terraform is spared 14 attributes per instance
}

locals {
  # Each instance's bucket, from a hash of its id: it never moves as the fleet changes.
  bucket_of = {
    for id in data.zenlayer_instances.fleet.ids :
    id => parseint(substr(sha1(id), 0, 6), 16) % var.buckets
  }
  buckets = { for id, bucket in local.bucket_of : tostring(bucket) => id... }
}

resource "zenlayer_instance_password" "fleet" {
  for_each     = local.buckets
  instance_ids = each.value
  password     = var.root_password

  rollout {
    max_unavailable = var.max_unavailable
  }
}

output "instances_reset" {
  value = sum(concat([0], [for r in zenlayer_instance_password.fleet : length(r.instance_ids)]))
}
