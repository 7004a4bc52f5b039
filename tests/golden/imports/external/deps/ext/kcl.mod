[package]
name = "ext"
version = "0.1.0"
