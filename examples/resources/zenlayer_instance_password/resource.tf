terraform {
  required_providers {
    zenlayer = {
      source = "zenlayer/zenlayer"
    }
  }
}

variable "root_password" {
  type      = string
  sensitive = true
}

# Reset the root password of two instances; return once both are RUNNING again.
resource "zenlayer_instance_password" "web" {
  instance_ids = ["ins-00001", "ins-00002"]
  password     = var.root_password
}

# For accounts where the API resets only stopped instances: stop them gracefully first, and
# bring each back to the power state it had.
resource "zenlayer_instance_password" "db" {
  instance_ids          = ["ins-00003"]
  password              = var.root_password
  shutdown_before_reset = true

  timeouts {
    create = "30m"
    update = "30m"
  }
}
