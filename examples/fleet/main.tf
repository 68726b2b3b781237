# Reset the password of a whole fleet, selected with the zenlayer_instances data source.
#
# The selected instances are spread over stable buckets by a hash of their id: adding an
# instance changes only its bucket (an in-place update that resets only the added instance),
# and no resource holds more than about one bucket's share of the fleet. Keep buckets at about
# one per 150 instances, chosen once for the size the fleet will reach (changing it moves most
# instances to another bucket, which resets them again): the default of 64 suits about 10,000,
# and 7 suit 1,000. Terraform's own handling of one very large set grows much faster than
# linearly, so this applies 10,000 instances in well under a minute where one resource takes
# minutes; see the docs' "Large fleets" for the measured figures.
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
  description = "How many resources the fleet is spread over: about one per 150 instances."
  type        = number
  default     = 64
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
