# Reset the password of a whole fleet, selected with the zenlayer_instances data source.
#
# One resource is the fastest layout at any size: it resets the fleet in ceil(N/100) calls and
# waits for one reboot (10,000 instances with a 30 s reboot: 48 s end to end; see the docs'
# "Large fleets"). Adding an instance to the fleet is an in-place update that resets only it.
#
# To split the fleet anyway (smaller states and plans to read, or a smaller blast radius per
# apply), raise `buckets`: the instances are spread by a hash of their id, so adding one changes
# only its bucket. Keep the number of buckets at most Terraform's -parallelism (10 by default):
# each resource waits for its own instances' reboot and Terraform works on -parallelism
# resources at a time, so 64 buckets wait ceil(64/10) = 7 reboots one after another. With more
# buckets, pass -parallelism=BUCKETS. Choose it once: changing it moves most instances to
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

variable "root_password" {
  type      = string
  sensitive = true
}

provider "zenlayer" {
  endpoint = var.endpoint
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
}

output "instances_reset" {
  value = sum(concat([0], [for r in zenlayer_instance_password.fleet : length(r.instance_ids)]))
}
