# The configuration a GitOps repository holds: which instances get which password. The
# password itself comes from the pipeline's secrets (TF_VAR_root_password), never from git.

terraform {
  required_version = ">= 1.0"

  required_providers {
    zenlayer = {
      source  = "zenlayer/zenlayer"
      version = "~> 0.1"
    }
  }

  # Keep state in a backend that encrypts it and restricts access: it holds the password.
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
}

provider "zenlayer" {
  endpoint = var.endpoint
}

resource "zenlayer_instance_password" "web" {
  instance_ids = ["ins-00001", "ins-00002", "ins-00003"]
  password     = var.root_password
}

resource "zenlayer_instance_password" "db" {
  instance_ids = ["ins-00004"]
  password     = var.root_password
}
