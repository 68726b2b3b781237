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

# Every production web server in HKG-A whose name starts with "web-".
data "zenlayer_instances" "web" {
  zone_id    = "HKG-A"
  tags       = { env = "prod", role = "web" }
  name_regex = "^web-"
}

# Reset their root password. (With Terraform 1.11 or later, prefer password_wo: see the
# zenlayer_instance_password docs.)
resource "zenlayer_instance_password" "web" {
  instance_ids = data.zenlayer_instances.web.ids
  password     = var.root_password
}

output "web_servers" {
  value = [for i in data.zenlayer_instances.web.instances : "${i.id} ${i.name} ${i.status}"]
}
