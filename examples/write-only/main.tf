# The password never stored (Terraform or OpenTofu 1.11 and later): password_wo takes the
# password from an ephemeral variable, so neither the plan nor the state holds it.
# To set a new password, change root_password and bump password_version where every later
# run reads it: its default below, a committed terraform.tfvars (password_version = "2"), or
# the pipeline's TF_VAR_password_version. (A one-off -var password_version=2 works once: the
# next plain apply sees the version go back, and resets every instance again.)

terraform {
  required_version = ">= 1.11"
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
  ephemeral   = true # never written to the plan or the state
}

variable "password_version" {
  description = "Any value; change it (here, or in terraform.tfvars) whenever root_password changes, to set the new one."
  type        = string
  default     = "1" # bump it with the password, and commit it
}

provider "zenlayer" {
  endpoint = var.endpoint
}

resource "zenlayer_instance_password" "web" {
  instance_ids        = var.instance_ids
  password_wo         = var.root_password
  password_wo_version = var.password_version
}

output "request_ids" {
  description = "Give these to Zenlayer support to trace the reset."
  value       = zenlayer_instance_password.web.request_ids
}
