[package]
name = "controlplane"
edition = "v0.11.0"
version = "0.1.0"

[dependencies]
k8s = "1.32.4"
