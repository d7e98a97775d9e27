"""Edge agent: sensors and cameras to MQTT with store-and-forward."""
