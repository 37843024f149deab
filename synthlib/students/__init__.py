"""Students: load a small model, train it on (synthetic) data with a loss chosen by name, predict.

``from synthlib.students import load_student, TrainSettings, train, predict_classes``. Heavy
libraries load inside the functions.
"""

from synthlib.students.loading import Student, load_student, minilm_path
from synthlib.students.predict import Predictions, generate_texts, predict_classes
from synthlib.students.training import TrainResult, TrainSettings, train

__all__ = ["Predictions", "Student", "TrainResult", "TrainSettings", "generate_texts", "load_student",
           "minilm_path", "predict_classes", "train"]
