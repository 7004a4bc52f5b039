[package]
name = "k8s_app"
edition = "v0.11.0"
version = "0.0.1"

[dependencies]
k8s = "1.32.4"
