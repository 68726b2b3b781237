terraform {
  required_providers {
    zenlayer = {
      source = "zenlayer/zenlayer"
    }
  }
}

# Credentials come from the environment (the variables Zenlayer's own tools read):
#   export ZENLAYERCLOUD_ACCESS_KEY_ID="..."
#   export ZENLAYERCLOUD_ACCESS_KEY_PASSWORD="..."
provider "zenlayer" {}

# Or from arguments, with the limits a large estate may want to tune.
variable "access_key_id" {
  type    = string
  default = null
}

variable "access_key_password" {
  type      = string
  sensitive = true
  default   = null
}

provider "zenlayer" {
  alias               = "tuned"
  access_key_id       = var.access_key_id
  access_key_password = var.access_key_password
  max_concurrency     = 4     # API calls in flight at once
  max_retries         = 8     # retries of throttled or failed calls
  request_timeout     = "60s" # one HTTP request
}
